// Pipelined sampling: a request split into lanes, contiguous slices of its samples that run at the same time.
// Sample i depends only on its own stream (seed + first + i), so the images are those of one batch; but while one
// lane's network call runs in the ORT worker, the other lane's sampler arithmetic (noise, guidance, ODE updates)
// runs on this thread, so that work hides behind the network instead of adding to it.
import type { OrtModel } from '../engine/ort/ort-engine.ts';
import type { Manifest } from '../models/manifest.ts';
import type { GeneratorFamily, SampleRequest, SampleResult } from './generator-family.ts';
import { sampleDims } from './family-io.ts';

/** Lanes per request by default: two keep the worker busy while this thread works on the other. */
export const DEFAULT_LANES = 2;
/** A lane gets at least this many samples… */
export const MIN_LANE_SAMPLES = 16;
/** …and this many sample elements: below it a network call is so quick that the extra round trips cost more than
 * the overlap saves (the 8×8 test fixture: lanes ran at 0.73 of one batch). */
export const MIN_LANE_ELEMENTS = 16_384;

/**
 * The lanes of a request for samples of `dim` elements: [first, first + n) cut into at most `lanes` slices of at
 * least MIN_LANE_SAMPLES samples and MIN_LANE_ELEMENTS elements.
 */
export function laneRequests(req: SampleRequest, lanes: number, dim = MIN_LANE_ELEMENTS): SampleRequest[] {
  const most = Math.min(Math.floor(req.n / MIN_LANE_SAMPLES), Math.floor((req.n * dim) / MIN_LANE_ELEMENTS));
  const k = Math.max(1, Math.min(Math.floor(lanes), most));
  if (k === 1) return [req];
  const labels = req.classLabels;
  const perLabel = labels !== undefined && labels.length === req.n;
  const out: SampleRequest[] = [];
  for (let l = 0; l < k; l++) {
    const a = Math.floor((l * req.n) / k);
    const b = Math.floor(((l + 1) * req.n) / k);
    out.push({ ...req, n: b - a, first: (req.first ?? 0) + a, classLabels: perLabel ? labels.slice(a, b) : labels });
  }
  return out;
}

export async function sampleInLanes(
  family: GeneratorFamily,
  session: OrtModel,
  manifest: Manifest,
  req: SampleRequest,
  lanes = DEFAULT_LANES,
): Promise<SampleResult> {
  const parts = laneRequests(req, lanes, sampleDims(manifest).dim);
  if (parts.length === 1) return family.sample(session, manifest, req);
  const results = await Promise.all(parts.map((p) => family.sample(session, manifest, p)));
  const images = new Uint8Array(results.reduce((a, r) => a + r.images.length, 0));
  const labels = new Int32Array(req.n);
  let at = 0;
  let row = 0;
  for (const r of results) {
    images.set(r.images, at);
    labels.set(r.labels, row);
    at += r.images.length;
    row += r.labels.length;
  }
  return { images, labels };
}
