// WebAssembly SIMD (f64x2) kernels for the hot loops of the dense linear algebra, written as WebAssembly text here
// and assembled at load time with wabt. Matrices that live in the kernels' memory (see workspace()) take this path
// in gemmNT and the tridiagonalization; anything else, or a runtime without wasm SIMD, uses the plain
// Float64Array loops. NEON_NO_SIMD=1 turns the kernels off.
import wabtInit from 'wabt';

/** C[4×2 tile] += alpha · A[4 rows] · B[2 rows]ᵀ over kn values of k; pointers and strides in bytes. */
function tileWat(R: number, C: number): string {
  const L: string[] = [];
  L.push(`(func (export "tile") (param $a i32) (param $b i32) (param $c i32) (param $lda i32) (param $ldb i32) (param $ldc i32) (param $kn i32) (param $alpha f64)`);
  for (let r = 0; r < R; r++) L.push(`(local $a${r} i32)`);
  for (let c = 0; c < C; c++) L.push(`(local $b${c} i32)`);
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) L.push(`(local $s${r}_${c} v128)`);
  for (let r = 0; r < R; r++) L.push(`(local $x${r} v128)`);
  L.push('(local $y v128) (local $end i32) (local $t f64)');
  for (let r = 0; r < R; r++) L.push(`(local.set $a${r} (i32.add (local.get $a) (i32.mul (local.get $lda) (i32.const ${r}))))`);
  for (let c = 0; c < C; c++) L.push(`(local.set $b${c} (i32.add (local.get $b) (i32.mul (local.get $ldb) (i32.const ${c}))))`);
  L.push('(local.set $end (i32.add (local.get $a0) (i32.shl (i32.and (local.get $kn) (i32.const -2)) (i32.const 3))))');
  L.push('(block $done (loop $k (br_if $done (i32.ge_u (local.get $a0) (local.get $end)))');
  for (let r = 0; r < R; r++) L.push(`(local.set $x${r} (v128.load (local.get $a${r})))`);
  for (let c = 0; c < C; c++) {
    L.push(`(local.set $y (v128.load (local.get $b${c})))`);
    for (let r = 0; r < R; r++) L.push(`(local.set $s${r}_${c} (f64x2.add (local.get $s${r}_${c}) (f64x2.mul (local.get $x${r}) (local.get $y))))`);
  }
  for (let r = 0; r < R; r++) L.push(`(local.set $a${r} (i32.add (local.get $a${r}) (i32.const 16)))`);
  for (let c = 0; c < C; c++) L.push(`(local.set $b${c} (i32.add (local.get $b${c}) (i32.const 16)))`);
  L.push('(br $k)))');
  const odd = '(i32.and (local.get $kn) (i32.const 1))';
  for (let r = 0; r < R; r++) {
    for (let c = 0; c < C; c++) {
      const addr = `(i32.add (local.get $c) (i32.add (i32.mul (local.get $ldc) (i32.const ${r})) (i32.const ${c * 8})))`;
      L.push(`(local.set $t (f64.add (f64x2.extract_lane 0 (local.get $s${r}_${c})) (f64x2.extract_lane 1 (local.get $s${r}_${c}))))`);
      L.push(`(if ${odd} (then (local.set $t (f64.add (local.get $t) (f64.mul (f64.load (local.get $a${r})) (f64.load (local.get $b${c})))))))`);
      L.push(`(f64.store ${addr} (f64.add (f64.load ${addr}) (f64.mul (local.get $alpha) (local.get $t))))`);
    }
  }
  L.push(')');
  return L.join('\n');
}

/**
 * Two rows of a lower-stored symmetric matrix at once: for k < cnt, t0 += a0[k]·x[k], t1 += a1[k]·x[k],
 * y[k] += a0[k]·x0 + a1[k]·x1; (t0, t1) are written to out.
 */
const SYMV2 = `
(func (export "symv2") (param $a0 i32) (param $a1 i32) (param $x i32) (param $y i32) (param $cnt i32) (param $x0 f64) (param $x1 f64) (param $out i32)
  (local $vx0 v128) (local $vx1 v128) (local $t0 v128) (local $t1 v128) (local $va v128) (local $vb v128) (local $xv v128)
  (local $end i32) (local $s0 f64) (local $s1 f64) (local $fa f64) (local $fb f64) (local $fx f64)
  (local.set $vx0 (f64x2.splat (local.get $x0)))
  (local.set $vx1 (f64x2.splat (local.get $x1)))
  (local.set $end (i32.add (local.get $x) (i32.shl (i32.and (local.get $cnt) (i32.const -2)) (i32.const 3))))
  (block $done (loop $k (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
    (local.set $va (v128.load (local.get $a0)))
    (local.set $vb (v128.load (local.get $a1)))
    (local.set $xv (v128.load (local.get $x)))
    (local.set $t0 (f64x2.add (local.get $t0) (f64x2.mul (local.get $va) (local.get $xv))))
    (local.set $t1 (f64x2.add (local.get $t1) (f64x2.mul (local.get $vb) (local.get $xv))))
    (v128.store (local.get $y) (f64x2.add (v128.load (local.get $y))
      (f64x2.add (f64x2.mul (local.get $va) (local.get $vx0)) (f64x2.mul (local.get $vb) (local.get $vx1)))))
    (local.set $a0 (i32.add (local.get $a0) (i32.const 16)))
    (local.set $a1 (i32.add (local.get $a1) (i32.const 16)))
    (local.set $x (i32.add (local.get $x) (i32.const 16)))
    (local.set $y (i32.add (local.get $y) (i32.const 16)))
    (br $k)))
  (if (i32.and (local.get $cnt) (i32.const 1)) (then
    (local.set $fa (f64.load (local.get $a0)))
    (local.set $fb (f64.load (local.get $a1)))
    (local.set $fx (f64.load (local.get $x)))
    (local.set $s0 (f64.mul (local.get $fa) (local.get $fx)))
    (local.set $s1 (f64.mul (local.get $fb) (local.get $fx)))
    (f64.store (local.get $y) (f64.add (f64.load (local.get $y))
      (f64.add (f64.mul (local.get $fa) (local.get $x0)) (f64.mul (local.get $fb) (local.get $x1)))))))
  (f64.store (local.get $out) (f64.add (local.get $s0)
    (f64.add (f64x2.extract_lane 0 (local.get $t0)) (f64x2.extract_lane 1 (local.get $t0)))))
  (f64.store offset=8 (local.get $out) (f64.add (local.get $s1)
    (f64.add (f64x2.extract_lane 0 (local.get $t1)) (f64x2.extract_lane 1 (local.get $t1))))))
`;

export interface SimdKernels {
  memory: WebAssembly.Memory;
  /** 4×2 register tile of C += alpha·A·Bᵀ (byte pointers and strides). */
  tile(a: number, b: number, c: number, lda: number, ldb: number, ldc: number, kn: number, alpha: number): void;
  symv2(a0: number, a1: number, x: number, y: number, cnt: number, x0: number, x1: number, out: number): void;
}

export const TILE_ROWS = 4;
export const TILE_COLS = 2;

async function load(): Promise<SimdKernels | null> {
  if (process.env.NEON_NO_SIMD === '1') return null;
  try {
    const wabt = await wabtInit();
    const wat = `(module (import "env" "mem" (memory 1 65536)) ${tileWat(TILE_ROWS, TILE_COLS)} ${SYMV2})`;
    const mod = wabt.parseWat('kernels.wat', wat, { simd: true });
    const { buffer } = mod.toBinary({});
    mod.destroy();
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
    const instance = await WebAssembly.instantiate(await WebAssembly.compile(buffer as Uint8Array<ArrayBuffer>), { env: { mem: memory } });
    const ex = instance.exports as unknown as Omit<SimdKernels, 'memory'>;
    return { memory, tile: ex.tile, symv2: ex.symv2 };
  } catch {
    return null; // no wasm SIMD here: the Float64Array loops serve
  }
}

export const simd: SimdKernels | null = await load();

/** True when `a` lives in the kernels' memory (so the SIMD path can address it). */
export function inSimdMemory(a: Float64Array): boolean {
  return simd !== null && a.buffer === simd.memory.buffer;
}

/**
 * Scratch arrays of the given lengths, zeroed, inside the kernels' memory (plain Float64Arrays without SIMD).
 * The views stay valid until the next call of workspace(): it reuses (and may grow) the same memory.
 */
export function workspace(lengths: readonly number[]): Float64Array[] {
  if (!simd) return lengths.map((n) => new Float64Array(n));
  const total = lengths.reduce((s, n) => s + n + 2, 0) * 8; // 16-byte aligned blocks
  const have = simd.memory.buffer.byteLength;
  if (total > have) simd.memory.grow(Math.ceil((total - have) / 65536));
  const out: Float64Array[] = [];
  let off = 0;
  for (const n of lengths) {
    const v = new Float64Array(simd.memory.buffer, off, n);
    v.fill(0);
    out.push(v);
    off += Math.ceil(n / 2) * 16 + 16;
  }
  return out;
}
