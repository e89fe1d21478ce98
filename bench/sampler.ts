// bench:sampler — in one run, per model (the shipped ones whose family has a sampler, and the tiny test fixture):
//   1. images/s at the model's default settings (family sampler on the ORT engine, batch 64, in lanes as served);
//   2. the sampler's network throughput (POST /v1/images/generations, n = 64, over HTTP on 127.0.0.1 to a sampler
//      server in its own process) against a bare loop of the same ORT session runs (the very feeds the sampler
//      made, replayed, on an engine with the same threads), and their ratio (goal: overhead ≤ 10%);
//   3. training steps/s and effective GFLOP/s (6 · parameters · examples per step) of the family's loss with Adam
//      on the tfjs engine, batch 64;
// and /v2/health/live p99 on that server while 32 generation requests (n = 64, default settings) run (goal < 200 ms).
// The sampler runs a request in lanes (shared/families/sample-lanes.ts) as the server does; "one lane" is the same
// request as a single batch, for comparison. The bare loop replays the lanes' runs one after another, so a ratio
// above 1 means the overlap of the lanes hid the round trips to the worker as well as the sampler's own work.
// Flags: --seconds S (time per measurement, default 3), --models a,b (only these), --load-model m (the load test's). ORT operator threads:
// NEON_ORT_THREADS, default cores − 1 (the HTTP side needs a core; on a 2-core box a spinning 2-thread pool starves it).
import { availableParallelism } from 'node:os';
import { OrtEngine, type OrtModel, type RunOptions } from '../shared/engine/ort/ort-engine.ts';
import { sampleInLanes } from '../shared/families/sample-lanes.ts';
import type { Feeds, HostTensor } from '../shared/engine/tensor.ts';
import { builtinFamilies, familyResolver, type FamilyResolver } from '../shared/families/registry.ts';
import { tinyFlowFamily, tinyFlowModel } from '../shared/families/test-fixtures/tiny-flow.ts';
import { ModelProvider, type LoadedModel } from '../shared/serving/model-provider.ts';
import { FolderModelSource, MemoryModelSource } from '../shared/serving/model-source.ts';
import { shippedModelsDir } from '../shared/serving/shipped-models.ts';
import { decodeModel } from '../shared/onnx/onnx-proto.ts';
import { Rng } from '../shared/random/prng.ts';
import { startFixtureServer, type FixtureServer } from '../services/sampler/fixture-process.ts';

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const SECONDS = Number(arg('seconds') ?? 3);
const ONLY = arg('models')?.split(',');
const BATCH = 64;
const THREADS = Number(process.env.NEON_ORT_THREADS ?? Math.max(1, availableParallelism() - 1));

/** Repeats `fn` for about `seconds` (at least `min` times) after one warm-up; returns seconds per call (median of 3 thirds). */
async function timeIt(fn: () => Promise<unknown>, seconds = SECONDS, min = 3): Promise<number> {
  await fn();
  const times: number[] = [];
  const t0 = performance.now();
  while (times.length < min || performance.now() - t0 < seconds * 1000) {
    const t = performance.now();
    await fn();
    times.push((performance.now() - t) / 1000);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** Rounds of one call of each function (after a warm-up call of each) for about 4 × SECONDS; median seconds of each. */
async function interleaved(fns: (() => Promise<unknown>)[]): Promise<number[]> {
  for (const f of fns) await f();
  const times = fns.map(() => [] as number[]);
  const t0 = performance.now();
  while (times[0].length < 5 || performance.now() - t0 < 4 * SECONDS * 1000) {
    for (let k = 0; k < fns.length; k++) {
      const t = performance.now();
      await fns[k]();
      times[k].push((performance.now() - t) / 1000);
    }
  }
  return times.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]);
}

/** A session that records every run's feeds (to replay them as the bare loop). */
function recording(session: OrtModel, log: { feeds: Feeds; outputs?: string[] }[]): OrtModel {
  return new Proxy(session, {
    get(target, prop, recv) {
      // the sampler may move its feeds to the worker: the log keeps copies
      if (prop === 'run')
        return (feeds: Feeds, outputs?: string[], opts?: RunOptions) => {
          log.push({
            feeds: Object.fromEntries(
              Object.entries(feeds).map(([k, t]) => [k, { ...t, data: t.data.slice() }]),
            ) as Feeds,
            outputs,
          });
          return target.run(feeds, outputs, opts);
        };
      return Reflect.get(target, prop, recv);
    },
  });
}

function randomBatch(shape: number[], k: number, n: number, rng: Rng) {
  const per = shape.reduce((a, b) => a * b, 1);
  return {
    images: Uint8Array.from({ length: n * per }, () => rng.int(256)),
    labels: Int32Array.from({ length: n }, () => rng.int(Math.max(1, k))),
    n,
  };
}

async function trainingRate(
  model: LoadedModel,
  bytes: Uint8Array,
): Promise<{ stepsPerSecond: number; gflops: number; parameters: number } | string> {
  const { loadTf } = await import('../shared/engine/tf/tf-backend.ts');
  const { TfGraph } = await import('../shared/engine/tf/tf-graph.ts');
  const { Adam } = await import('../shared/engine/tf/adam.ts');
  const tf = await loadTf();
  const graph = new TfGraph(tf, decodeModel(bytes));
  let parameters = 0;
  for (const v of graph.params.values()) parameters += v.size;
  const opt = new Adam(tf, { lr: 1e-4 });
  const rng = new Rng(7);
  const batch = randomBatch(model.manifest.data.shape, model.manifest.conditioning.num_classes, BATCH, rng);
  const step = async () => {
    const { value, grads } = graph.valueAndGrads(() => model.family.loss(tf, graph, model.manifest, batch, rng));
    opt.apply(graph.params, grads);
    tf.dispose(grads);
    value.dataSync();
    value.dispose();
  };
  const dt = await timeIt(step, SECONDS, 2);
  return { stepsPerSecond: 1 / dt, gflops: (6 * parameters * BATCH) / dt / 1e9, parameters };
}

/** The sampler over the shipped models and the fixture, in its own process. */
function startServer(): Promise<FixtureServer> {
  return startFixtureServer({ NEON_SERVE_SHIPPED: '1', NEON_ORT_THREADS: String(THREADS) });
}

async function healthUnderLoad(
  base: string,
  model: string,
): Promise<{ p50: number; p99: number; probes: number; seconds: number }> {
  const post = (body: object) =>
    fetch(`${base}/v1/images/generations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then(async (r) => {
      if (r.status !== 200) throw new Error(`HTTP ${r.status}: ${await r.text()}`);
      return r.arrayBuffer();
    });
  await post({ model, n: 4 });
  let running = true;
  const t0 = performance.now();
  const load = Promise.all(Array.from({ length: 32 }, (_, i) => post({ model, n: 64, seed: i * 64 }))).finally(
    () => (running = false),
  );
  const lat: number[] = [];
  while (running) {
    const t = performance.now();
    await (await fetch(`${base}/v2/health/live`)).arrayBuffer();
    lat.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 10));
  }
  await load;
  lat.sort((a, b) => a - b);
  return {
    p50: lat[Math.floor(lat.length / 2)],
    p99: lat[Math.min(lat.length - 1, Math.floor(lat.length * 0.99))],
    probes: lat.length,
    seconds: (performance.now() - t0) / 1000,
  };
}

async function main(): Promise<void> {
  const engine = new OrtEngine({ workers: 1, threadsPerSession: THREADS });
  const fixture = tinyFlowModel('tiny-flow');
  const memory = new MemoryModelSource().add(fixture.onnx, fixture.manifest);
  const folder = new FolderModelSource(shippedModelsDir());
  const fixtureFamilies = familyResolver({ flow: tinyFlowFamily });
  const families: FamilyResolver = (m) => (m.name === 'tiny-flow' ? fixtureFamilies(m) : builtinFamilies(m));
  const provider = new ModelProvider({ engine, sources: [folder, memory], families });
  const server = await startServer();
  const base = server.base;
  const names = [...(await folder.list()).map((m) => m.id), 'tiny-flow'].filter((n) => !ONLY || ONLY.includes(n));
  console.log(
    `bench:sampler — batch ${BATCH}, ${SECONDS} s per measurement, ORT CPU, 1 worker, ${THREADS} operator thread(s)`,
  );
  for (const name of names) {
    let model: LoadedModel;
    try {
      model = await provider.get(name);
    } catch (err) {
      console.log(`\n${name}: skipped (${(err as Error).message})`);
      continue;
    }
    const label = name === 'tiny-flow' ? 'tiny-flow (test fixture, 8×8)' : name;
    const req = {
      n: BATCH,
      seed: 0,
      first: 0,
      classLabels: Array.from({ length: BATCH }, (_, i) => i % Math.max(1, model.manifest.conditioning.num_classes)),
    };
    const evals = model.family.evaluationsPerSample(model.manifest, req);
    const log: { feeds: Feeds; outputs?: string[] }[] = [];
    await sampleInLanes(model.family, recording(model.session, log), model.manifest, req);
    const body = JSON.stringify({ model: name, n: BATCH, seed: 0 });
    const request = () =>
      fetch(`${base}/v1/images/generations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      }).then(async (r) => {
        if (r.status !== 200) throw new Error(`HTTP ${r.status}: ${await r.text()}`);
        return r.arrayBuffer();
      });
    // interleaved rounds (direct, bare, HTTP, HTTP×2), medians: the load of a shared machine drifts, and this way
    // every kind sees the same drift
    const kinds = {
      direct: () => sampleInLanes(model.family, model.session, model.manifest, req),
      oneLane: () => model.family.sample(model.session, model.manifest, req),
      bare: async () => {
        for (const r of log) await model.session.run(r.feeds, r.outputs);
      },
      http1: request,
      http2: () => Promise.all([request(), request()]),
    };
    const [direct, oneLane, bare, http1, http2x] = await interleaved(Object.values(kinds));
    const http2 = http2x / 2;
    const batchOf = (t: HostTensor | undefined) => t?.dims[0] ?? 0;
    console.log(
      `\n${label}: family ${model.manifest.family}, sampler ${model.manifest.sampler.kind}, ${evals} network evaluations per sample, ${log.length} session runs of batch ${batchOf(Object.values(log[0]?.feeds ?? {})[0])} per request`,
    );
    console.log(`  images/s at default settings (family sampler):     ${(BATCH / direct).toFixed(1)}`);
    console.log(
      `  images/s, the same sampler in one lane:            ${(BATCH / oneLane).toFixed(1)}   (lanes ÷ one lane ${(oneLane / direct).toFixed(3)})`,
    );
    console.log(`  images/s, bare loop of the same ORT runs:          ${(BATCH / bare).toFixed(1)}`);
    console.log(
      `  images/s over HTTP, 1 request in flight:           ${(BATCH / http1).toFixed(1)}   ratio HTTP/bare ${(bare / http1).toFixed(3)}  (overhead ${((1 - bare / http1) * 100).toFixed(1)}%, goal ≤ 10%)`,
    );
    console.log(
      `  images/s over HTTP, 2 requests in flight:          ${(BATCH / http2).toFixed(1)}   ratio HTTP/bare ${(bare / http2).toFixed(3)}  (overhead ${((1 - bare / http2) * 100).toFixed(1)}%)`,
    );
    console.log(
      `  of which: serving (HTTP/family sampler) ${(direct / http1).toFixed(3)}, sampler loop (family sampler/bare ORT runs) ${(bare / direct).toFixed(3)}`,
    );
    const bytes = await (name === 'tiny-flow' ? memory : folder).resolve(name).then((v) => v!.bytes());
    const train = await trainingRate(model, bytes).catch((err: Error) => `not measured (${err.message})`);
    if (typeof train === 'string') console.log(`  training: ${train}`);
    else
      console.log(
        `  training (family loss + Adam, tfjs, batch ${BATCH}): ${train.stepsPerSecond.toFixed(2)} steps/s, ${train.gflops.toFixed(2)} GFLOP/s effective (6·${train.parameters} params·batch)`,
      );
  }
  await engine.close();
  // the load test uses an image model that answers in well under a second (the AR model takes seconds per request)
  const loadModel = arg('load-model') ?? (names.includes('fmnist-edm') ? 'fmnist-edm' : names[0]);
  const h = await healthUnderLoad(base, loadModel);
  await server.close();
  console.log(
    `\n/v2/health/live while 32 concurrent requests (${loadModel}, n = 64, default settings) run: ${h.seconds.toFixed(1)} s, ${h.probes} probes, p50 ${h.p50.toFixed(1)} ms, p99 ${h.p99.toFixed(1)} ms (goal < 200 ms)`,
  );
}

await main();
