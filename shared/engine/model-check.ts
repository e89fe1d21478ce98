// Checking any ONNX graph (a user's torch.onnx.export as much as our own) against both engines: which operators
// the differentiable interpreter lacks, forward parity (onnxruntime vs tfjs) on a batch, and the loss
//   L = mean((output − target)²)
// with its gradient with respect to every float initializer: the numbers a user compares with their framework.
import type * as tfc from '@tensorflow/tfjs-core';
import { DataType, type ModelProto } from '../onnx/onnx-proto.ts';
import { graphInputs } from '../onnx/graph-inputs.ts';
import type { NdArray } from '../npz/npy.ts';
import { Rng } from '../random/prng.ts';
import type { OrtEngine } from './ort/ort-engine.ts';
import { compareEngines } from './parity.ts';
import { f32, i64, type Feeds, type HostTensor } from './tensor.ts';
import { supportedOps } from './tf/onnx-ops.ts';
import type { TF } from './tf/tf-backend.ts';
import { TfGraph } from './tf/tf-graph.ts';

export interface UnsupportedNode {
  op: string;
  node: string;
  opset: number;
}

/** The default-domain opset the model imports (ONNX's default when it names none). */
export function modelOpset(model: ModelProto): number {
  return model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version ?? 1;
}

/** Distinct operator types of the graph, sorted. */
export function graphOps(model: ModelProto): string[] {
  return [...new Set(model.graph.node.map((n) => n.opType))].sort();
}

/** Nodes whose operator the tfjs interpreter cannot run (or whose domain is not ONNX's own). */
export function unsupportedNodes(model: ModelProto): UnsupportedNode[] {
  const supported = new Set([...supportedOps(), 'Constant']);
  const opset = modelOpset(model);
  return model.graph.node
    .filter((n) => !supported.has(n.opType) || (n.domain !== undefined && n.domain !== '' && n.domain !== 'ai.onnx'))
    .map((n) => ({
      op: n.domain ? `${n.domain}.${n.opType}` : n.opType,
      node: n.name || n.output[0] || '(unnamed)',
      opset,
    }));
}

const INT_TYPES = new Set<number>([DataType.INT64, DataType.INT32]);

/** An npz array as an engine feed of the graph input's element type. */
function feedOf(name: string, a: NdArray, elemType: number | undefined): HostTensor {
  if (elemType === DataType.FLOAT) {
    if (!(a.data instanceof Float32Array || a.data instanceof Float64Array))
      throw new Error(`array '${name}': the graph wants float32, the batch has ${a.dtype}`);
    return f32(Float32Array.from(a.data), a.shape);
  }
  if (elemType !== undefined && INT_TYPES.has(elemType)) {
    if (a.data instanceof Float32Array || a.data instanceof Float64Array)
      throw new Error(`array '${name}': the graph wants integers, the batch has ${a.dtype}`);
    const data = a.data instanceof BigInt64Array ? a.data : BigInt64Array.from(a.data, (v) => BigInt(v));
    return elemType === DataType.INT64
      ? i64(data, a.shape)
      : { type: 'int32', data: Int32Array.from(data, Number), dims: a.shape };
  }
  throw new Error(`input '${name}': element type ${elemType ?? 'unknown'} is not supported (float32, int64 or int32)`);
}

export interface Batch {
  feeds: Feeds;
  /** The regression target of the check's loss, when the batch has one. */
  target?: { data: Float32Array; dims: number[] };
}

/** A batch from npz arrays named by the graph's inputs, plus an optional `target`. */
export function batchFromArrays(model: ModelProto, arrays: Map<string, NdArray>): Batch {
  const feeds: Feeds = {};
  for (const inp of graphInputs(model)) {
    const a = arrays.get(inp.name);
    if (!a)
      throw new Error(
        `the batch has no array '${inp.name}' (graph input; arrays: ${[...arrays.keys()].join(', ') || 'none'})`,
      );
    feeds[inp.name] = feedOf(inp.name, a, inp.elemType);
  }
  const t = arrays.get('target');
  if (!t) return { feeds };
  if (!(t.data instanceof Float32Array || t.data instanceof Float64Array))
    throw new Error(`array 'target': must be float, has ${t.dtype}`);
  return { feeds, target: { data: Float32Array.from(t.data), dims: t.shape } };
}

/** A random batch: symbolic dimensions → `n`; float inputs standard normal, integer inputs 0. */
export function randomBatch(model: ModelProto, n = 2, seed = 0): Batch {
  const rng = new Rng(seed);
  const feeds: Feeds = {};
  for (const inp of graphInputs(model)) {
    if (!inp.shape) throw new Error(`input '${inp.name}' has no shape in the graph; pass --batch`);
    const dims = inp.shape.map((d) => (d.value !== undefined && d.value > 0 ? d.value : n));
    const size = dims.reduce((a, b) => a * b, 1);
    if (size > 50_000_000)
      throw new Error(`input '${inp.name}': a random batch of [${dims}] is too large; pass --batch`);
    if (inp.elemType === DataType.FLOAT)
      feeds[inp.name] = f32(
        Float32Array.from({ length: size }, () => rng.normal()),
        dims,
      );
    else if (inp.elemType === DataType.INT64) feeds[inp.name] = i64(new BigInt64Array(size), dims);
    else if (inp.elemType === DataType.INT32) feeds[inp.name] = { type: 'int32', data: new Int32Array(size), dims };
    else
      throw new Error(
        `input '${inp.name}': element type ${inp.elemType ?? 'unknown'} is not supported (float32, int64 or int32)`,
      );
  }
  return { feeds };
}

export interface ModelCheck {
  ops: string[];
  unsupported: UnsupportedNode[];
  /** Largest |onnxruntime − tfjs| over the graph's outputs (null when an operator is unsupported). */
  maxAbsDiff: number | null;
  /** L = mean((output − target)²), when the batch has a target. */
  loss: number | null;
  /** ∂L/∂θ for every float initializer θ, by its name (with its dims). */
  grads: Map<string, { data: Float32Array; dims: number[] }> | null;
}

/** Runs the whole check; the loss and gradients need a target, `output` names the graph output they use. */
export async function checkModel(
  tf: TF,
  ort: OrtEngine,
  model: ModelProto,
  batch: Batch,
  output?: string,
): Promise<ModelCheck> {
  const ops = graphOps(model);
  const unsupported = unsupportedNodes(model);
  if (unsupported.length > 0) return { ops, unsupported, maxAbsDiff: null, loss: null, grads: null };
  const parity = await compareEngines(tf, ort, model, batch.feeds);
  const maxAbsDiff = Math.max(...parity.map((p) => p.maxAbs));
  if (!batch.target) return { ops, unsupported, maxAbsDiff, loss: null, grads: null };

  const graph = new TfGraph(tf, model);
  try {
    const out = output ?? graph.outputNames[0];
    if (!graph.outputNames.includes(out))
      throw new Error(`output '${out}' is not a graph output (${graph.outputNames.join(', ')})`);
    const target = batch.target;
    const { value, grads } = graph.valueAndGrads(() =>
      tf.tidy(() => {
        const feeds: Record<string, tfc.Tensor> = {};
        for (const [k, v] of Object.entries(batch.feeds)) {
          feeds[k] =
            v.type === 'float32'
              ? tf.tensor(v.data as Float32Array, v.dims, 'float32')
              : tf.tensor(Int32Array.from(v.data as ArrayLike<number | bigint>, Number), v.dims, 'int32');
        }
        const y = graph.run(feeds, [out])[out];
        if (y.shape.join() !== target.dims.join())
          throw new Error(`array 'target': shape [${target.dims}] does not match output '${out}' [${y.shape}]`);
        return tf.mean(tf.square(tf.sub(y, tf.tensor(target.data, target.dims, 'float32')))) as tfc.Scalar;
      }),
    );
    const result = new Map<string, { data: Float32Array; dims: number[] }>();
    for (const [name, v] of graph.params) {
      const g = grads[name];
      result.set(name, {
        data: g ? (g.dataSync() as Float32Array).slice() : new Float32Array(v.size),
        dims: [...v.shape],
      });
    }
    const loss = value.dataSync()[0];
    value.dispose();
    tf.dispose(grads);
    return { ops, unsupported, maxAbsDiff, loss, grads: result };
  } finally {
    graph.dispose();
  }
}
