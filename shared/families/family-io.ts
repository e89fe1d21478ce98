// What the image families share at the edges: per-sample labels and noise from a request, the network as a
// batched ORT call (by the manifest's io names, in bounded chunks), and the batch's pixels as network values.
import type { OrtModel } from '../engine/ort/ort-engine.ts';
import { f32, i64, type Feeds } from '../engine/tensor.ts';
import type { Manifest } from '../models/manifest.ts';
import { sampleRng, type Rng } from '../random/prng.ts';
import type { SampleRequest } from './generator-family.ts';
import type { NetCall } from '../samplers/guidance.ts';

/** Rows per ORT call (memory bound; the result of a row does not depend on the rows beside it). */
export const MAX_ROWS_PER_CALL = 512;

export function nullClassOf(m: Manifest): number {
  return m.conditioning.null_class ?? m.conditioning.num_classes;
}

/** One label per sample: the request's list (or its single label for all), the null class when absent. */
export function requestLabels(m: Manifest, req: SampleRequest): Int32Array {
  const nul = nullClassOf(m);
  const out = new Int32Array(req.n).fill(nul);
  const ls = req.classLabels;
  if (!ls || ls.length === 0) return out;
  if (ls.length !== 1 && ls.length !== req.n) throw new Error(`classLabels: ${ls.length} labels for ${req.n} samples`);
  for (let i = 0; i < req.n; i++) {
    const c = ls.length === 1 ? ls[0] : ls[i];
    if (!Number.isInteger(c) || c < 0 || c > nul)
      throw new Error(
        `classLabels: ${c} is not a class in [0, ${m.conditioning.num_classes}) or the null class ${nul}`,
      );
    out[i] = c;
  }
  return out;
}

/**
 * The generator of sample i of a request: the stream of seed s + first + i, so image i of seed s is image 0
 * of seed s + i, whatever the batch.
 */
export function sampleStream(req: SampleRequest, i: number): Rng {
  return sampleRng((req.seed + (req.first ?? 0) + i) >>> 0, 0);
}

/** Standard normals for each sample from its own stream. */
export function requestNoise(req: SampleRequest, dim: number): Float32Array {
  const out = new Float32Array(req.n * dim);
  for (let i = 0; i < req.n; i++) sampleStream(req, i).normals(out.subarray(i * dim, (i + 1) * dim));
  return out;
}

/** The sample's dimensions [C, H, W] and its element count. */
export function sampleDims(m: Manifest): { shape: number[]; dim: number } {
  return { shape: m.data.shape, dim: m.data.shape.reduce((a, b) => a * b, 1) };
}

/**
 * The network (inputs x, t, y) as a NetCall on ORT, split into chunks of at most MAX_ROWS_PER_CALL rows. Each
 * chunk's feeds are copied once, here (or not at all when x is handed over whole), and moved to the worker.
 */
export function ortNetCall(session: OrtModel, m: Manifest, xShape: number[], opts: { withT: boolean }): NetCall {
  const io = m.io;
  const out = io.outputs.out ?? Object.values(io.outputs)[0];
  return async (x, t, y, n, handOver = false) => {
    const dim = x.length / n;
    const parts: Float32Array[] = [];
    for (let s = 0; s < n; s += MAX_ROWS_PER_CALL) {
      const k = Math.min(MAX_ROWS_PER_CALL, n - s);
      const whole = handOver && k === n && x.byteOffset === 0 && x.buffer.byteLength === x.byteLength;
      const feeds: Feeds = {
        [io.inputs.x]: f32(whole ? x : x.slice(s * dim, (s + k) * dim), [k, ...xShape]),
        [io.inputs.y]: i64(y.subarray(s, s + k), [k]),
      };
      if (opts.withT) feeds[io.inputs.t] = f32(t.slice(s, s + k), [k, 1]);
      const r = await session.run(feeds, [out], { transfer: true });
      parts.push(r[out].data as Float32Array);
    }
    if (parts.length === 1) return parts[0];
    const all = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of parts) {
      all.set(p, o);
      o += p.length;
    }
    return all;
  };
}

/** Label dropout: each label becomes the null class with probability p (drawn from `u`). */
export function dropLabels(labels: ArrayLike<number>, p: number, nullClass: number, u: () => number): Int32Array {
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) out[i] = u() < p ? nullClass : labels[i];
  return out;
}
