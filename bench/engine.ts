// npm run bench:engine — the two engines side by side on a dense stack of three 1024×1024 layers at batch 256:
// onnxruntime's forward throughput (2·batch·params FLOP per pass), the tfjs training step's effective
// throughput (6·batch·params FLOP per step: forward, backward, Adam), with and without the native matMul
// kernel, and their ratios. Each training variant runs in its own process (tfjs loads once per process).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { GraphBuilder } from '../shared/onnx/graph-builder.ts';
import { encodeModel } from '../shared/onnx/onnx-proto.ts';
import { OrtEngine } from '../shared/engine/ort/ort-engine.ts';
import { f32 } from '../shared/engine/tensor.ts';
import { Rng } from '../shared/random/prng.ts';

const D = 1024;
const B = 256;
const LAYERS = 3;

function denseStack() {
  const rng = new Rng(1);
  const g = new GraphBuilder('dense-stack');
  let h = g.input('x', ['N', D]);
  for (let l = 0; l < LAYERS; l++) {
    const w = Float32Array.from({ length: D * D }, () => (rng.uniform() - 0.5) * 0.06);
    h = g.op('Relu', [g.op('Add', [g.op('MatMul', [h, g.param(`layers.${l}.weight`, [D, D], w)]), g.param(`layers.${l}.bias`, [D], new Float32Array(D))])]);
  }
  g.output(h, ['N', D]);
  return g.build();
}
const PARAMS = LAYERS * (D * D + D);

async function ortForward(seconds: number): Promise<number> {
  const ort = new OrtEngine();
  const m = await ort.load(encodeModel(denseStack()));
  const rng = new Rng(2);
  const x = f32(Float32Array.from({ length: B * D }, () => rng.normal()), [B, D]);
  for (let i = 0; i < 3; i++) await m.run({ x });
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    await m.run({ x });
    n++;
  }
  const dt = (performance.now() - t0) / 1000 / n;
  await ort.close();
  return (2 * B * PARAMS) / dt / 1e9;
}

async function tfTrain(steps: number): Promise<{ gflops: number; msPerStep: number }> {
  const { loadTf } = await import('../shared/engine/tf/tf-backend.ts');
  const { TfGraph } = await import('../shared/engine/tf/tf-graph.ts');
  const { Adam } = await import('../shared/engine/tf/adam.ts');
  const tf = await loadTf();
  const graph = new TfGraph(tf, denseStack());
  const opt = new Adam(tf, { lr: 1e-4 });
  const rng = new Rng(3);
  const x = tf.tensor2d(Float32Array.from({ length: B * D }, () => rng.normal()), [B, D]);
  const step = () => {
    const { value, grads } = graph.valueAndGrads(() => tf.mean(tf.square(graph.run({ x })[graph.outputNames[0]])) as import('@tensorflow/tfjs-core').Scalar);
    opt.apply(graph.params, grads);
    tf.dispose(grads);
    value.dataSync();
    value.dispose();
  };
  step();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  const dt = (performance.now() - t0) / 1000 / steps;
  return { gflops: (6 * B * PARAMS) / dt / 1e9, msPerStep: dt * 1000 };
}

function child(native: boolean, steps: number): { gflops: number; msPerStep: number } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--train', String(steps)], {
    env: { ...process.env, NEON_TF_BACKEND: 'wasm', NEON_TF_NATIVE_MATMUL: native ? '1' : '0' },
    encoding: 'utf8',
  });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{')) throw new Error(`training benchmark failed:\n${r.stderr.slice(-2000)}`);
  return JSON.parse(line);
}

if (process.argv[2] === '--train') {
  console.log(JSON.stringify(await tfTrain(Number(process.argv[3]))));
} else {
  console.log(`dense stack: ${LAYERS} layers of ${D}×${D}, batch ${B}, ${(PARAMS / 1e6).toFixed(2)}M parameters`);
  const ort = await ortForward(3);
  console.log(`onnxruntime forward (worker thread):        ${ort.toFixed(1)} GFLOP/s`);
  const native = child(true, 20);
  console.log(`tfjs wasm train step, native matMul kernel: ${native.gflops.toFixed(1)} GFLOP/s effective (${native.msPerStep.toFixed(1)} ms/step)`);
  const naive = child(false, 2);
  console.log(`tfjs wasm train step, stock kernels:        ${naive.gflops.toFixed(1)} GFLOP/s effective (${naive.msPerStep.toFixed(1)} ms/step)`);
  console.log(`ratio train/forward, native matMul: ${(native.gflops / ort).toFixed(3)}   (goal ≥ 0.25)`);
  console.log(`ratio train/forward, stock kernels: ${(naive.gflops / ort).toFixed(3)}`);
  console.log(`speed-up of the training step from the native matMul kernel: ${(native.gflops / naive.gflops).toFixed(1)}x`);
}
