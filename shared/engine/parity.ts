// Runs one ONNX model on both engines (onnxruntime forward, tfjs interpreter) with the same inputs and
// reports the largest difference: the check that holds the two engines together.
import type { ModelProto } from '../onnx/onnx-proto.ts';
import { encodeModel } from '../onnx/onnx-proto.ts';
import type { OrtEngine } from './ort/ort-engine.ts';
import type { TF } from './tf/tf-backend.ts';
import { TfGraph } from './tf/tf-graph.ts';
import type { Feeds } from './tensor.ts';

export interface ParityResult {
  output: string;
  maxAbs: number;
  /** max |a − b| / (1 + |a|) */
  maxRel: number;
  dims: number[];
}

export async function compareEngines(tf: TF, ort: OrtEngine, model: ModelProto, feeds: Feeds): Promise<ParityResult[]> {
  const session = await ort.load(encodeModel(model));
  try {
    const ortOut = await session.run(feeds);
    const graph = new TfGraph(tf, model, { trainable: false });
    try {
      return tf.tidy(() => {
        const tfFeeds: Record<string, ReturnType<TF['tensor']>> = {};
        for (const [k, v] of Object.entries(feeds)) {
          tfFeeds[k] =
            v.type === 'float32'
              ? tf.tensor(v.data as Float32Array, v.dims, 'float32')
              : tf.tensor(Int32Array.from(v.data as ArrayLike<number | bigint>, Number), v.dims, 'int32');
        }
        const tfOut = graph.run(tfFeeds);
        return graph.outputNames.map((name) => {
          const a = ortOut[name];
          const b = tfOut[name];
          if (a.dims.join() !== b.shape.join())
            throw new Error(`output '${name}': onnxruntime gives [${a.dims}], tfjs gives [${b.shape}]`);
          const av = a.data as Float32Array;
          const bv = b.dataSync();
          let maxAbs = 0;
          let maxRel = 0;
          for (let i = 0; i < av.length; i++) {
            const d = Math.abs(Number(av[i]) - Number(bv[i]));
            if (Number.isNaN(d) && !(Number.isNaN(Number(av[i])) && Number.isNaN(Number(bv[i]))))
              return { output: name, maxAbs: Infinity, maxRel: Infinity, dims: a.dims };
            if (d > maxAbs) maxAbs = d;
            const r = d / (1 + Math.abs(Number(av[i])));
            if (r > maxRel) maxRel = r;
          }
          return { output: name, maxAbs, maxRel, dims: a.dims };
        });
      });
    } finally {
      graph.dispose();
    }
  } finally {
    await session.release();
  }
}
