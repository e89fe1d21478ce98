// Streaming sufficient statistics of feature vectors, in float64: n, Σx and Σxxᵀ. Batches fold in as they arrive;
// shards merge exactly by addition; μ and Σ follow with ddof = 1, as np.mean and np.cov(rowvar=False) give them.
import { gemmNT, symmetrizeFromLower } from './linalg/gemm-nt.ts';
import { simd, workspace } from './linalg/simd-kernels.ts';
import type { Gaussian } from './frechet-distance.ts';

const FLUSH_ROWS = 512;

export class FeatureStats {
  readonly d: number;
  n = 0;
  readonly sum: Float64Array;
  /** Σ x xᵀ, d×d row-major; only the lower triangle is current until finish() (or toJSON-style accessors) runs. */
  readonly sumOuter: Float64Array;
  private pending: Float64Array; // transposed buffer d × FLUSH_ROWS of rows not yet folded into sumOuter
  private pendingRows = 0;
  private symmetric = true;

  constructor(d: number) {
    if (!Number.isInteger(d) || d <= 0) throw new Error(`feature dimension must be a positive integer, got ${d}`);
    this.d = d;
    this.sum = new Float64Array(d);
    this.sumOuter = new Float64Array(d * d);
    this.pending = new Float64Array(d * FLUSH_ROWS);
  }

  /** Restores statistics saved earlier (a shard file). */
  static fromSums(n: number, sum: Float64Array, sumOuter: Float64Array): FeatureStats {
    const s = new FeatureStats(sum.length);
    if (sumOuter.length !== s.d * s.d) throw new Error(`sum_outer must be ${s.d}×${s.d}`);
    s.n = n;
    s.sum.set(sum);
    s.sumOuter.set(sumOuter);
    return s;
  }

  /** Adds `rows` feature vectors (row-major rows × d). */
  add(features: ArrayLike<number>, rows: number): this {
    const d = this.d;
    if (features.length !== rows * d)
      throw new Error(`a batch of ${rows} rows of dimension ${d} needs ${rows * d} values, got ${features.length}`);
    for (let r = 0; r < rows; r++) {
      const o = r * d;
      const col = this.pendingRows;
      for (let i = 0; i < d; i++) {
        const x = features[o + i];
        if (!Number.isFinite(x)) throw new Error(`feature row ${this.n + r}, column ${i} is not finite (${x})`);
        this.sum[i] += x;
        this.pending[i * FLUSH_ROWS + col] = x;
      }
      this.pendingRows++;
      if (this.pendingRows === FLUSH_ROWS) this.flush();
    }
    this.n += rows;
    return this;
  }

  private flush(): void {
    if (this.pendingRows === 0) return;
    const m = this.pendingRows;
    if (m < FLUSH_ROWS) for (let i = 0; i < this.d; i++) this.pending.fill(0, i * FLUSH_ROWS + m, (i + 1) * FLUSH_ROWS);
    // Σxxᵀ += Pᵀ P over the buffered rows (lower triangle), on the SIMD kernels through a scratch copy when present
    const d = this.d;
    if (simd) {
      const [P, S] = workspace([d * FLUSH_ROWS, d * d], { zero: false });
      P.set(this.pending);
      S.set(this.sumOuter);
      gemmNT(d, d, FLUSH_ROWS, 1, P, 0, FLUSH_ROWS, P, 0, FLUSH_ROWS, S, 0, d, { lower: true });
      this.sumOuter.set(S);
    } else {
      gemmNT(d, d, FLUSH_ROWS, 1, this.pending, 0, FLUSH_ROWS, this.pending, 0, FLUSH_ROWS, this.sumOuter, 0, d, {
        lower: true,
      });
    }
    this.pendingRows = 0;
    this.symmetric = false;
  }

  /** Folds buffered rows in and makes sumOuter symmetric. */
  finish(): this {
    this.flush();
    if (!this.symmetric) {
      symmetrizeFromLower(this.sumOuter, this.d);
      this.symmetric = true;
    }
    return this;
  }

  /** Adds another shard's statistics (exact: sums add). */
  merge(other: FeatureStats): this {
    if (other.d !== this.d) throw new Error(`cannot merge statistics of dimension ${other.d} into ${this.d}`);
    this.finish();
    other.finish();
    this.n += other.n;
    for (let i = 0; i < this.d; i++) this.sum[i] += other.sum[i];
    for (let i = 0; i < this.sumOuter.length; i++) this.sumOuter[i] += other.sumOuter[i];
    return this;
  }

  /** μ = Σx / n and Σ = (Σxxᵀ − n μ μᵀ) / (n − 1) (np.cov, ddof = 1); NaN where undefined (n < 2), as numpy. */
  gaussian(): Gaussian {
    this.finish();
    const { d, n } = this;
    const mu = new Float64Array(d);
    for (let i = 0; i < d; i++) mu[i] = this.sum[i] / n;
    const sigma = new Float64Array(d * d);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j <= i; j++) {
        const v = (this.sumOuter[i * d + j] - n * mu[i] * mu[j]) / (n - 1);
        sigma[i * d + j] = v;
        sigma[j * d + i] = v;
      }
    }
    return { mu, sigma };
  }
}
