// A small ONNX graph builder: named inputs, parameters (FLOAT initializers: the model's weights, by name),
// constants (Constant nodes, so they are never mistaken for weights), and nodes. Builds a ModelProto.
import {
  AttrType,
  DataType,
  type AttributeProto,
  type Dimension,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from './onnx-proto.ts';
import { floatTensor, int64Tensor } from './tensor-data.ts';

export const OPSET = 17;

/** An attribute value: integers as numbers, floats wrapped with `float()`, int lists, float lists, strings, tensors. */
export type AttrValue = number | { float: number } | number[] | { floats: number[] } | string | TensorProto;

export function float(v: number): { float: number } {
  return { float: v };
}

function toAttribute(name: string, v: AttrValue): AttributeProto {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`attribute '${name}': ${v} is not an integer; wrap floats with float()`);
    return { name, type: AttrType.INT, i: v };
  }
  if (typeof v === 'string') return { name, type: AttrType.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: AttrType.INTS, ints: v };
  if ('float' in v) return { name, type: AttrType.FLOAT, f: v.float };
  if ('floats' in v) return { name, type: AttrType.FLOATS, floats: v.floats };
  return { name, type: AttrType.TENSOR, t: v };
}

export type Shape = readonly (number | string)[];

function valueInfo(name: string, shape: Shape | undefined, elemType: number): ValueInfoProto {
  if (shape === undefined) return { name, elemType };
  const dims: Dimension[] = shape.map((d) => (typeof d === 'number' ? { value: d } : { param: d }));
  return { name, elemType, shape: dims };
}

export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(readonly name: string) {}

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`graph '${this.name}': name '${name}' is used twice`);
    this.names.add(name);
    return name;
  }

  /** A fresh value name with a readable prefix. */
  fresh(prefix: string): string {
    let n: string;
    do n = `${prefix}_${this.counter++}`;
    while (this.names.has(n));
    return n;
  }

  input(name: string, shape: Shape, elemType: number = DataType.FLOAT): string {
    this.inputs.push(valueInfo(this.claim(name), shape, elemType));
    return name;
  }

  /** Declares a graph output; `shape` undefined leaves the shape to inference. */
  output(value: string, shape?: Shape, elemType: number = DataType.FLOAT): void {
    this.outputs.push(valueInfo(value, shape, elemType));
  }

  /** A trainable weight: a FLOAT initializer named `name`. */
  param(name: string, dims: readonly number[], values: Float32Array): string {
    this.initializers.push(floatTensor(this.claim(name), dims, values));
    return name;
  }

  /** A constant float tensor, as a Constant node. */
  constFloat(values: Float32Array | number[], dims: readonly number[], prefix = 'const'): string {
    const v = values instanceof Float32Array ? values : Float32Array.from(values);
    return this.op('Constant', [], { value: floatTensor(this.fresh(`${prefix}_value`), dims, v) }, prefix);
  }

  /** A constant INT64 tensor (shapes, axes, indices), as a Constant node. */
  constInt64(values: number[], dims: readonly number[] = [values.length], prefix = 'shape'): string {
    return this.op('Constant', [], { value: int64Tensor(this.fresh(`${prefix}_value`), dims, values) }, prefix);
  }

  /** Adds a node with one output; returns the output's name. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, prefix?: string): string {
    return this.opN(opType, inputs, 1, attrs, prefix)[0];
  }

  /** Adds a node with `nOutputs` outputs. */
  opN(
    opType: string,
    inputs: string[],
    nOutputs: number,
    attrs: Record<string, AttrValue> = {},
    prefix?: string,
  ): string[] {
    const base = prefix ?? opType.toLowerCase();
    const outputs = Array.from({ length: nOutputs }, () => this.claim(this.fresh(base)));
    this.nodes.push({
      input: inputs,
      output: outputs,
      name: this.fresh(`${base}_node`),
      opType,
      domain: '',
      attribute: Object.entries(attrs).map(([k, v]) => toAttribute(k, v)),
    });
    return outputs;
  }

  build(opts: { docString?: string; metadata?: Record<string, string> } = {}): ModelProto {
    const inputNames = new Set(this.inputs.map((i) => i.name));
    for (const o of this.outputs) {
      const produced = this.nodes.some((n) => n.output.includes(o.name)) || inputNames.has(o.name);
      if (!produced) throw new Error(`graph '${this.name}': output '${o.name}' is not produced by any node`);
    }
    return {
      irVersion: 8,
      opsetImport: [{ domain: '', version: OPSET }],
      producerName: 'neon',
      producerVersion: '0.1.0',
      domain: '',
      modelVersion: 1,
      docString: opts.docString ?? '',
      graph: {
        name: this.name,
        node: [...this.nodes],
        initializer: [...this.initializers],
        input: [...this.inputs],
        output: [...this.outputs],
        valueInfo: [],
      },
      metadataProps: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
    };
  }
}
