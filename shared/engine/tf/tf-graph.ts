// The differentiable interpreter: runs an ONNX graph on TensorFlow.js. FLOAT initializers become
// tf.Variables named after them (the model's parameters), so tfjs's autodiff gives their gradients.
import type * as tfc from '@tensorflow/tfjs-core';
import { AttrType, DataType, type ModelProto } from '../../onnx/onnx-proto.ts';
import { floatTensor, tensorToFloat32 } from '../../onnx/tensor-data.ts';
import { graphInputs } from '../../onnx/graph-inputs.ts';
import { ONNX_OPS } from './onnx-ops.ts';
import { DEFAULT_OPSET, tensorValue as constantValue, type Value } from './op-context.ts';
import type { TF } from './tf-backend.ts';
import { installZeroGradients } from './zero-gradients.ts';

export interface TfGraphOptions {
  /** Path of the .onnx file, for external data. */
  modelPath?: string;
  /** Whether the parameters are trainable (default true). */
  trainable?: boolean;
}

let graphCounter = 0;

export class TfGraph {
  /** The parameters, by initializer name. */
  readonly params = new Map<string, tfc.Variable>();
  private readonly constants = new Map<string, Value>();
  private readonly paramShapes = new Map<string, number[]>();
  /** The model's version of the default ONNX domain. */
  readonly opset: number;

  constructor(
    readonly tf: TF,
    readonly model: ModelProto,
    opts: TfGraphOptions = {},
  ) {
    const g = model.graph;
    installZeroGradients(tf);
    this.opset = model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version ?? DEFAULT_OPSET;
    // tfjs variable names are global: prefix them so several graphs (base, self-trained) can coexist
    const prefix = `graph${++graphCounter}/`;
    for (const init of g.initializer) {
      if (init.dataType === DataType.FLOAT) {
        const v = tf.variable(
          tf.tensor(tensorToFloat32(init, opts.modelPath), init.dims, 'float32'),
          opts.trainable ?? true,
          prefix + init.name,
        );
        this.params.set(init.name, v);
        this.paramShapes.set(init.name, [...init.dims]);
      } else {
        this.constants.set(init.name, keep(tf, constantValue(tf, init, opts.modelPath)));
      }
    }
    for (const node of g.node) {
      if (node.opType !== 'Constant') {
        if (!ONNX_OPS[node.opType])
          throw new Error(`the tfjs engine does not support ONNX operator '${node.opType}' (node '${node.name}')`);
        continue;
      }
      const a = node.attribute[0];
      let value: Value;
      if (a.type === AttrType.TENSOR && a.t) value = constantValue(tf, a.t, opts.modelPath);
      else if (a.name === 'value_float') value = { tensor: tf.scalar(a.f ?? 0) };
      else if (a.name === 'value_floats') value = { tensor: tf.tensor1d(a.floats ?? []) };
      else if (a.name === 'value_int') value = { tensor: tf.scalar(a.i ?? 0, 'int32'), ints: [a.i ?? 0] };
      else if (a.name === 'value_ints') value = { tensor: tf.tensor1d(a.ints ?? [], 'int32'), ints: a.ints ?? [] };
      else throw new Error(`Constant '${node.name}': unsupported attribute '${a.name}'`);
      this.constants.set(node.output[0], keep(tf, value));
    }
  }

  get inputNames(): string[] {
    return graphInputs(this.model).map((i) => i.name);
  }

  get outputNames(): string[] {
    return this.model.graph.output.map((o) => o.name);
  }

  /**
   * Runs the graph. Feeds are tensors by input name (integer inputs as int32). Returns the requested
   * outputs (default: the graph's outputs). Intermediate tensors belong to the caller's tf.tidy.
   */
  run(feeds: Record<string, tfc.Tensor>, outputs: string[] = this.outputNames): Record<string, tfc.Tensor> {
    const env = new Map<string, Value>(this.constants);
    for (const [name, v] of this.params) env.set(name, { tensor: v });
    for (const name of this.inputNames) {
      const t = feeds[name];
      if (!t) throw new Error(`missing input '${name}'`);
      env.set(name, { tensor: t });
    }
    for (const node of this.model.graph.node) {
      if (node.opType === 'Constant') continue;
      const inputs = node.input.map((n) => {
        if (n === '') return undefined;
        const v = env.get(n);
        if (!v) throw new Error(`node '${node.name}' (${node.opType}): input '${n}' is not computed yet`);
        return v;
      });
      const out = ONNX_OPS[node.opType]({ tf: this.tf, node, inputs, opset: this.opset });
      node.output.forEach((name, i) => {
        if (name !== '' && out[i]) env.set(name, out[i]);
      });
    }
    const result: Record<string, tfc.Tensor> = {};
    for (const o of outputs) {
      const v = env.get(o);
      if (!v) throw new Error(`output '${o}' was not computed`);
      result[o] = v.tensor;
    }
    return result;
  }

  /**
   * The loss and its gradients with respect to every parameter, keyed by parameter name.
   * The caller disposes the returned tensors.
   */
  valueAndGrads(loss: () => tfc.Scalar): { value: tfc.Scalar; grads: Record<string, tfc.Tensor> } {
    const names = [...this.params.keys()];
    const { value, grads } = this.tf.variableGrads(
      loss,
      names.map((n) => this.params.get(n)!),
    );
    const out: Record<string, tfc.Tensor> = {};
    for (const n of names) {
      const g = grads[this.params.get(n)!.name];
      if (g) out[n] = g;
    }
    return { value, grads: out };
  }

  /** The current parameter values. */
  readWeights(): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const [name, v] of this.params) out.set(name, v.dataSync() as Float32Array);
    return out;
  }

  /** Assigns parameter values (missing names keep their value; shapes must match). */
  writeWeights(weights: Map<string, Float32Array>): void {
    for (const [name, values] of weights) {
      const v = this.params.get(name);
      if (!v) throw new Error(`no parameter named '${name}'`);
      const shape = this.paramShapes.get(name)!;
      this.tf.tidy(() => v.assign(this.tf.tensor(values, shape, 'float32')));
    }
  }

  /** The model with its initializers replaced by the current parameter values. */
  toModel(): ModelProto {
    const weights = this.readWeights();
    const initializer = this.model.graph.initializer.map((t) => {
      const w = weights.get(t.name);
      return w ? floatTensor(t.name, t.dims, w) : t;
    });
    return { ...this.model, graph: { ...this.model.graph, initializer } };
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    for (const c of this.constants.values()) c.tensor.dispose();
  }
}

function keep(tf: TF, v: Value): Value {
  tf.keep(v.tensor);
  return v;
}
