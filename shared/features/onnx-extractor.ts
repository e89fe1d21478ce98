// A feature extractor on onnxruntime-node (CPU execution provider): a user-provided ONNX model, e.g. pytorch-fid's
// Inception-v3 exported with torch.onnx.export (docs/FID.md), whose output is [N, D] or [N, D, 1, 1].
import type { FeatureExtractor } from './extractor.ts';
import type { PreprocessContract } from './preprocess.ts';

export async function createOnnxExtractor(
  modelPath: string,
  contract: PreprocessContract,
  opts: { output?: string } = {},
): Promise<FeatureExtractor> {
  const ort = await import('onnxruntime-node');
  let session: Awaited<ReturnType<typeof ort.InferenceSession.create>>;
  try {
    session = await ort.InferenceSession.create(modelPath, { executionProviders: ['cpu'] });
  } catch (err) {
    throw new Error(`${modelPath}: cannot load ONNX model (${(err as Error).message})`, { cause: err });
  }
  const inputName = session.inputNames[0];
  const outputName = opts.output ?? session.outputNames[0];
  const extractor: FeatureExtractor = {
    name: modelPath,
    contract,
    dim: 0,
    async run(input, shape) {
      const feeds = { [inputName]: new ort.Tensor('float32', input, shape) };
      const out = (await session.run(feeds))[outputName];
      if (!out) throw new Error(`${modelPath}: model has no output '${outputName}'`);
      const dims = out.dims.map(Number);
      if (dims[0] !== shape[0])
        throw new Error(`${modelPath}: output batch ${dims[0]} differs from input batch ${shape[0]}`);
      const dim = dims.slice(1).reduce((a, b) => a * b, 1);
      if (dims.slice(2).some((x) => x !== 1))
        throw new Error(`${modelPath}: output shape [${dims.join(', ')}] is not [N, D] or [N, D, 1, 1]`);
      extractor.dim = dim;
      return out.data instanceof Float32Array ? out.data : Float32Array.from(out.data as ArrayLike<number>);
    },
    async close() {
      await session.release();
    },
  };
  return extractor;
}
