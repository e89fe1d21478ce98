// npm run bench:engine — the two engines side by side on two networks:
//   dense: a stack of three 1024×1024 layers at batch 256 (ReLU);
//   conv:  a U-Net block stack at 32×32, 64 channels, batch 64: two residual blocks of
//          GroupNorm(32) → SiLU → 3×3 conv → GroupNorm(32) → SiLU → 3×3 conv, + skip (GroupNorm as PyTorch exports it).
// For each: onnxruntime's forward throughput (2·MACs FLOP per pass), the tfjs training step's effective throughput
// (3 × the forward's FLOP per step: forward, backward, Adam; mean-square loss) and their ratio; times are medians
// over the runs (the forward: 3 s of runs; the training step: 8–20 steps). The dense case also
// runs the training step on tfjs's stock kernels (the conv case cannot: tfjs-wasm has no filter-gradient kernel).
// Each training variant runs in its own process (tfjs loads once per process). BENCH_CASES=dense,conv picks cases.
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { GraphBuilder, float } from '../shared/onnx/graph-builder.ts';
import { encodeModel, type ModelProto } from '../shared/onnx/onnx-proto.ts';
import { OrtEngine } from '../shared/engine/ort/ort-engine.ts';
import { f32 } from '../shared/engine/tensor.ts';
import { Rng } from '../shared/random/prng.ts';

interface BenchCase {
  name: string;
  describe: string;
  build: () => ModelProto;
  inputShape: number[];
  /** multiply-adds of one forward pass */
  macs: number;
  trainSteps: number;
  stockSteps?: number;
}

function denseStack(): ModelProto {
  const [D, LAYERS] = [1024, 3];
  const rng = new Rng(1);
  const g = new GraphBuilder('dense-stack');
  let h = g.input('x', ['N', D]);
  for (let l = 0; l < LAYERS; l++) {
    const w = Float32Array.from({ length: D * D }, () => (rng.uniform() - 0.5) * 0.06);
    h = g.op('Relu', [
      g.op('Add', [
        g.op('MatMul', [h, g.param(`layers.${l}.weight`, [D, D], w)]),
        g.param(`layers.${l}.bias`, [D], new Float32Array(D)),
      ]),
    ]);
  }
  g.output(h, ['N', D]);
  return g.build();
}

const [C, HW, GROUPS, BLOCKS] = [64, 32, 32, 2];

/** GroupNorm as torch.onnx.export writes it at opset ≤ 17: Reshape → InstanceNormalization → Reshape → Mul → Add. */
function groupNorm(g: GraphBuilder, x: string, name: string): string {
  const grouped = g.op('Reshape', [x, g.constInt64([0, GROUPS, -1])]);
  const normed = g.op(
    'InstanceNormalization',
    [
      grouped,
      g.constFloat(new Float32Array(GROUPS).fill(1), [GROUPS]),
      g.constFloat(new Float32Array(GROUPS), [GROUPS]),
    ],
    { epsilon: float(1e-5) },
  );
  const back = g.op('Reshape', [normed, g.op('Shape', [x])]);
  const axes = g.constInt64([1, 2]);
  const scale = g.op('Unsqueeze', [g.param(`${name}.weight`, [C], new Float32Array(C).fill(1)), axes]);
  const bias = g.op('Unsqueeze', [g.param(`${name}.bias`, [C], new Float32Array(C)), axes]);
  return g.op('Add', [g.op('Mul', [back, scale]), bias]);
}

function convBlocks(): ModelProto {
  const rng = new Rng(1);
  const g = new GraphBuilder('unet-blocks');
  const conv = (x: string, name: string) => {
    const w = Float32Array.from({ length: C * C * 9 }, () => rng.normal() * Math.sqrt(1 / (C * 9)));
    return g.op(
      'Conv',
      [x, g.param(`${name}.weight`, [C, C, 3, 3], w), g.param(`${name}.bias`, [C], new Float32Array(C))],
      { pads: [1, 1, 1, 1] },
    );
  };
  const silu = (x: string) => g.op('Mul', [x, g.op('Sigmoid', [x])]);
  let h = g.input('x', ['N', C, HW, HW]);
  for (let b = 0; b < BLOCKS; b++) {
    const p = `blocks.${b}`;
    const r = conv(
      silu(groupNorm(g, conv(silu(groupNorm(g, h, `${p}.norm1`)), `${p}.conv1`), `${p}.norm2`)),
      `${p}.conv2`,
    );
    h = g.op('Add', [h, r]);
  }
  g.output(h, ['N', C, HW, HW]);
  return g.build();
}

const CASES: Record<string, BenchCase> = {
  dense: {
    name: 'dense',
    describe: 'dense stack: 3 layers of 1024×1024, batch 256, 3.15M parameters',
    build: denseStack,
    inputShape: [256, 1024],
    macs: 256 * 3 * (1024 * 1024 + 1024),
    trainSteps: 20,
    stockSteps: 2,
  },
  conv: {
    name: 'conv',
    describe: `U-Net blocks: ${BLOCKS} residual blocks (GroupNorm ${GROUPS}, SiLU, 3×3 conv ×2), ${C} channels at ${HW}×${HW}, batch 64`,
    build: convBlocks,
    inputShape: [64, C, HW, HW],
    macs: 64 * HW * HW * C * C * 9 * 2 * BLOCKS,
    trainSteps: 8,
  },
};

/** The median: the machine is shared, and bursts of other work should not decide a figure. */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function ortForward(c: BenchCase, seconds: number): Promise<number> {
  const ort = new OrtEngine();
  const m = await ort.load(encodeModel(c.build()));
  const rng = new Rng(2);
  const size = c.inputShape.reduce((a, b) => a * b, 1);
  const x = f32(
    Float32Array.from({ length: size }, () => rng.normal()),
    c.inputShape,
  );
  for (let i = 0; i < 3; i++) await m.run({ x });
  const times: number[] = [];
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    const t = performance.now();
    await m.run({ x });
    times.push(performance.now() - t);
  }
  await ort.close();
  return (2 * c.macs) / (median(times) / 1000) / 1e9;
}

async function tfTrain(c: BenchCase, steps: number): Promise<{ gflops: number; msPerStep: number }> {
  const { loadTf } = await import('../shared/engine/tf/tf-backend.ts');
  const { TfGraph } = await import('../shared/engine/tf/tf-graph.ts');
  const { Adam } = await import('../shared/engine/tf/adam.ts');
  const tf = await loadTf();
  const graph = new TfGraph(tf, c.build());
  const opt = new Adam(tf, { lr: 1e-4 });
  const rng = new Rng(3);
  const size = c.inputShape.reduce((a, b) => a * b, 1);
  const x = tf.tensor(
    Float32Array.from({ length: size }, () => rng.normal()),
    c.inputShape,
  );
  const step = () => {
    const { value, grads } = graph.valueAndGrads(
      () => tf.mean(tf.square(graph.run({ x })[graph.outputNames[0]])) as import('@tensorflow/tfjs-core').Scalar,
    );
    opt.apply(graph.params, grads);
    tf.dispose(grads);
    value.dataSync();
    value.dispose();
  };
  step();
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t = performance.now();
    step();
    times.push(performance.now() - t);
  }
  const ms = median(times);
  return { gflops: (3 * 2 * c.macs) / (ms / 1000) / 1e9, msPerStep: ms };
}

function child(c: BenchCase, native: boolean, steps: number): { gflops: number; msPerStep: number } {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), '--train', c.name, String(steps)],
    {
      env: { ...process.env, NEON_TF_BACKEND: 'wasm', NEON_TF_NATIVE_MATMUL: native ? '1' : '0' },
      encoding: 'utf8',
    },
  );
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{')) throw new Error(`training benchmark failed:\n${r.stderr.slice(-2000)}`);
  return JSON.parse(line);
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');

if (process.argv[2] === '--train') {
  console.log(JSON.stringify(await tfTrain(CASES[process.argv[3]], Number(process.argv[4]))));
} else {
  const picked = (process.env.BENCH_CASES ?? 'dense,conv').split(',').map((n) => CASES[n.trim()]);
  for (const c of picked) {
    console.log(`\n${c.describe}; ${((2 * c.macs) / 1e9).toFixed(2)} GFLOP per forward (load average ${load()})`);
    const ort = await ortForward(c, 3);
    console.log(`  onnxruntime forward (worker thread):        ${ort.toFixed(1)} GFLOP/s`);
    const native = child(c, true, c.trainSteps);
    console.log(
      `  tfjs wasm train step, native kernels:       ${native.gflops.toFixed(1)} GFLOP/s effective (${native.msPerStep.toFixed(1)} ms/step)`,
    );
    console.log(`  ratio train/forward, native kernels: ${(native.gflops / ort).toFixed(3)}   (goal ≥ 0.25)`);
    if (c.stockSteps) {
      const naive = child(c, false, c.stockSteps);
      console.log(
        `  tfjs wasm train step, stock kernels:        ${naive.gflops.toFixed(1)} GFLOP/s effective (${naive.msPerStep.toFixed(1)} ms/step)`,
      );
      console.log(`  ratio train/forward, stock kernels:  ${(naive.gflops / ort).toFixed(3)}`);
      console.log(
        `  speed-up of the training step from the native matMul kernel: ${(native.gflops / naive.gflops).toFixed(1)}x`,
      );
    }
    console.log(`  (load average after: ${load()})`);
  }
}
