// 32 concurrent generation requests against a real listening server (its own process, on 127.0.0.1): all succeed,
// and /v2/health/live stays responsive while they run (inference runs in the ORT worker thread). The goal is a p99
// under 200 ms (bench:sampler measures it); the assertion here allows 1 s, because the test machine is shared and
// a loaded 2-core box alone can delay a process by a few hundred ms. The idle p99 is printed beside it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFixtureServer } from './fixture-process.ts';

test('32 concurrent generations all succeed while /v2/health/live stays responsive', async () => {
  const server = await startFixtureServer();
  try {
    const { base } = server;
    const generate = (body: Record<string, unknown>) =>
      fetch(`${base}/v1/images/generations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const warm = await generate({ model: 'tiny-flow', n: 2 });
    assert.equal(warm.status, 200);
    await warm.arrayBuffer();
    const idle: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      await (await fetch(`${base}/v2/health/live`)).arrayBuffer();
      idle.push(performance.now() - t0);
    }
    idle.sort((a, b) => a - b);
    let running = true;
    const gen = Promise.all(
      Array.from({ length: 32 }, async (_, i) => {
        const res = await generate({ model: 'tiny-flow', n: 16, seed: 1000 * i, num_inference_steps: 40 });
        const json = (await res.json()) as { data?: unknown[] };
        return { status: res.status, n: json.data?.length };
      }),
    ).finally(() => (running = false));
    const latencies: number[] = [];
    while (running) {
      const t0 = performance.now();
      const res = await fetch(`${base}/v2/health/live`);
      await res.json();
      latencies.push(performance.now() - t0);
      assert.equal(res.status, 200);
      await new Promise((r) => setTimeout(r, 5));
    }
    const results = await gen;
    assert.deepEqual(
      results,
      Array.from({ length: 32 }, () => ({ status: 200, n: 16 })),
    );
    const sorted = [...latencies].sort((a, b) => a - b);
    const p99 = sorted[Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))];
    console.log(
      `health probes during the load: ${sorted.length}, p50 ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms; idle p99 ${idle[idle.length - 1].toFixed(1)} ms`,
    );
    assert.ok(sorted.length >= 5, `only ${sorted.length} probes ran: the load finished too fast to measure`);
    assert.ok(p99 < 1000, `health p99 ${p99.toFixed(1)} ms under load`);
  } finally {
    await server.close();
  }
});
