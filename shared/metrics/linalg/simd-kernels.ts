// WebAssembly SIMD (f64x2) kernels for the hot loops of the dense linear algebra, written as WebAssembly text here
// and assembled with wabt on first use (the binary is kept in the build cache, keyed by the text's hash, so later
// starts skip wabt). Matrices that live in the kernels' memory (see workspace()) take this path
// in gemmNT and the tridiagonalization; anything else, or a runtime without wasm SIMD, uses the plain
// Float64Array loops. NEON_NO_SIMD=1 turns the kernels off.
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { readBuildCache, writeBuildCache } from '../../files/build-cache.ts';

/** C[4×2 tile] += alpha · A[4 rows] · B[2 rows]ᵀ over kn values of k; pointers and strides in bytes. */
function tileWat(R: number, C: number): string {
  const L: string[] = [];
  L.push(
    `(func $tile (export "tile") (param $a i32) (param $b i32) (param $c i32) (param $lda i32) (param $ldb i32) (param $ldc i32) (param $kn i32) (param $alpha f64)`,
  );
  for (let r = 0; r < R; r++) L.push(`(local $a${r} i32)`);
  for (let c = 0; c < C; c++) L.push(`(local $b${c} i32)`);
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) L.push(`(local $s${r}_${c} v128)`);
  for (let r = 0; r < R; r++) L.push(`(local $x${r} v128)`);
  L.push('(local $y v128) (local $end i32) (local $t f64)');
  for (let r = 0; r < R; r++)
    L.push(`(local.set $a${r} (i32.add (local.get $a) (i32.mul (local.get $lda) (i32.const ${r}))))`);
  for (let c = 0; c < C; c++)
    L.push(`(local.set $b${c} (i32.add (local.get $b) (i32.mul (local.get $ldb) (i32.const ${c}))))`);
  L.push('(local.set $end (i32.add (local.get $a0) (i32.shl (i32.and (local.get $kn) (i32.const -2)) (i32.const 3))))');
  L.push('(block $done (loop $k (br_if $done (i32.ge_u (local.get $a0) (local.get $end)))');
  for (let r = 0; r < R; r++) L.push(`(local.set $x${r} (v128.load (local.get $a${r})))`);
  for (let c = 0; c < C; c++) {
    L.push(`(local.set $y (v128.load (local.get $b${c})))`);
    for (let r = 0; r < R; r++)
      L.push(
        `(local.set $s${r}_${c} (f64x2.add (local.get $s${r}_${c}) (f64x2.mul (local.get $x${r}) (local.get $y))))`,
      );
  }
  for (let r = 0; r < R; r++) L.push(`(local.set $a${r} (i32.add (local.get $a${r}) (i32.const 16)))`);
  for (let c = 0; c < C; c++) L.push(`(local.set $b${c} (i32.add (local.get $b${c}) (i32.const 16)))`);
  L.push('(br $k)))');
  const odd = '(i32.and (local.get $kn) (i32.const 1))';
  for (let r = 0; r < R; r++) {
    for (let c = 0; c < C; c++) {
      const addr = `(i32.add (local.get $c) (i32.add (i32.mul (local.get $ldc) (i32.const ${r})) (i32.const ${c * 8})))`;
      L.push(
        `(local.set $t (f64.add (f64x2.extract_lane 0 (local.get $s${r}_${c})) (f64x2.extract_lane 1 (local.get $s${r}_${c}))))`,
      );
      L.push(
        `(if ${odd} (then (local.set $t (f64.add (local.get $t) (f64.mul (f64.load (local.get $a${r})) (f64.load (local.get $b${c})))))))`,
      );
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
(func $symv2 (export "symv2") (param $a0 i32) (param $a1 i32) (param $x i32) (param $y i32) (param $cnt i32) (param $x0 f64) (param $x1 f64) (param $out i32)
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

/**
 * The whole blocked loop nest of gemmNT for rows [i0s, i1) of C (so that threads can split the rows): K-blocks of
 * 256, B-row blocks of 64, 4×2 tiles on $tile, edge and diagonal tiles scalar. flags: 1 lower, 2 aUpper, 4 bUpper.
 * Pointers address element [0][0]; strides are in bytes.
 */
const GEMM = `
(func (export "gemm") (param $i0s i32) (param $i1 i32) (param $n i32) (param $K i32) (param $alpha f64)
  (param $a i32) (param $lda i32) (param $b i32) (param $ldb i32) (param $c i32) (param $ldc i32) (param $flags i32)
  (local $kb0 i32) (local $kbEnd i32) (local $jb0 i32) (local $jbEnd i32) (local $i0 i32) (local $j0 i32)
  (local $ks i32) (local $i i32) (local $j i32) (local $k i32) (local $iEnd i32) (local $jEnd i32) (local $s f64)
  (local $lower i32) (local $aU i32) (local $bU i32) (local $pa i32) (local $pb i32) (local $pc i32)
  (local.set $lower (i32.and (local.get $flags) (i32.const 1)))
  (local.set $aU (i32.and (local.get $flags) (i32.const 2)))
  (local.set $bU (i32.and (local.get $flags) (i32.const 4)))
  (local.set $kb0 (i32.const 0))
  (block $kbDone (loop $kbL
    (br_if $kbDone (i32.ge_s (local.get $kb0) (local.get $K)))
    (local.set $kbEnd (select (local.get $K) (i32.add (local.get $kb0) (i32.const 256))
      (i32.lt_s (local.get $K) (i32.add (local.get $kb0) (i32.const 256)))))
    (local.set $jb0 (i32.const 0))
    (block $jbDone (loop $jbL
      (br_if $jbDone (i32.ge_s (local.get $jb0) (local.get $n)))
      (local.set $jbEnd (select (local.get $n) (i32.add (local.get $jb0) (i32.const 64))
        (i32.lt_s (local.get $n) (i32.add (local.get $jb0) (i32.const 64)))))
      (local.set $i0 (local.get $i0s))
      (block $iDone (loop $iL
        (br_if $iDone (i32.ge_s (local.get $i0) (local.get $i1)))
        (if (i32.eqz (i32.and (local.get $lower) (i32.gt_s (local.get $jb0) (i32.add (local.get $i0) (i32.const 3))))) (then
          (local.set $j0 (local.get $jb0))
          (block $jDone (loop $jL
            (br_if $jDone (i32.ge_s (local.get $j0) (local.get $jbEnd)))
            (br_if $jDone (i32.and (local.get $lower) (i32.gt_s (local.get $j0) (i32.add (local.get $i0) (i32.const 3)))))
            (local.set $ks (local.get $kb0))
            (if (i32.and (i32.ne (local.get $aU) (i32.const 0)) (i32.gt_s (local.get $i0) (local.get $ks))) (then (local.set $ks (local.get $i0))))
            (if (i32.and (i32.ne (local.get $bU) (i32.const 0)) (i32.gt_s (local.get $j0) (local.get $ks))) (then (local.set $ks (local.get $j0))))
            (if (i32.lt_s (local.get $ks) (local.get $kbEnd)) (then
              (if (i32.and
                    (i32.and (i32.le_s (i32.add (local.get $i0) (i32.const 4)) (local.get $i1))
                             (i32.le_s (i32.add (local.get $j0) (i32.const 2)) (local.get $jbEnd)))
                    (i32.eqz (i32.and (local.get $lower) (i32.gt_s (i32.add (local.get $j0) (i32.const 1)) (local.get $i0)))))
                (then
                  (call $tile
                    (i32.add (local.get $a) (i32.add (i32.mul (local.get $i0) (local.get $lda)) (i32.shl (local.get $ks) (i32.const 3))))
                    (i32.add (local.get $b) (i32.add (i32.mul (local.get $j0) (local.get $ldb)) (i32.shl (local.get $ks) (i32.const 3))))
                    (i32.add (local.get $c) (i32.add (i32.mul (local.get $i0) (local.get $ldc)) (i32.shl (local.get $j0) (i32.const 3))))
                    (local.get $lda) (local.get $ldb) (local.get $ldc) (i32.sub (local.get $kbEnd) (local.get $ks)) (local.get $alpha)))
                (else
                  (local.set $iEnd (select (local.get $i1) (i32.add (local.get $i0) (i32.const 4))
                    (i32.lt_s (local.get $i1) (i32.add (local.get $i0) (i32.const 4)))))
                  (local.set $jEnd (select (local.get $jbEnd) (i32.add (local.get $j0) (i32.const 2))
                    (i32.lt_s (local.get $jbEnd) (i32.add (local.get $j0) (i32.const 2)))))
                  (local.set $i (local.get $i0))
                  (block $eiDone (loop $eiL
                    (br_if $eiDone (i32.ge_s (local.get $i) (local.get $iEnd)))
                    (local.set $j (local.get $j0))
                    (block $ejDone (loop $ejL
                      (br_if $ejDone (i32.ge_s (local.get $j) (local.get $jEnd)))
                      (br_if $ejDone (i32.and (local.get $lower) (i32.gt_s (local.get $j) (local.get $i))))
                      (local.set $s (f64.const 0))
                      (local.set $pa (i32.add (local.get $a) (i32.add (i32.mul (local.get $i) (local.get $lda)) (i32.shl (local.get $ks) (i32.const 3)))))
                      (local.set $pb (i32.add (local.get $b) (i32.add (i32.mul (local.get $j) (local.get $ldb)) (i32.shl (local.get $ks) (i32.const 3)))))
                      (local.set $k (local.get $ks))
                      (block $ekDone (loop $ekL
                        (br_if $ekDone (i32.ge_s (local.get $k) (local.get $kbEnd)))
                        (local.set $s (f64.add (local.get $s) (f64.mul (f64.load (local.get $pa)) (f64.load (local.get $pb)))))
                        (local.set $pa (i32.add (local.get $pa) (i32.const 8)))
                        (local.set $pb (i32.add (local.get $pb) (i32.const 8)))
                        (local.set $k (i32.add (local.get $k) (i32.const 1)))
                        (br $ekL)))
                      (local.set $pc (i32.add (local.get $c) (i32.add (i32.mul (local.get $i) (local.get $ldc)) (i32.shl (local.get $j) (i32.const 3)))))
                      (f64.store (local.get $pc) (f64.add (f64.load (local.get $pc)) (f64.mul (local.get $alpha) (local.get $s))))
                      (local.set $j (i32.add (local.get $j) (i32.const 1)))
                      (br $ejL)))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (br $eiL)))))))
            (local.set $j0 (i32.add (local.get $j0) (i32.const 2)))
            (br $jL)))))
        (local.set $i0 (i32.add (local.get $i0) (i32.const 4)))
        (br $iL)))
      (local.set $jb0 (i32.add (local.get $jb0) (i32.const 64)))
      (br $jbL)))
    (local.set $kb0 (i32.add (local.get $kb0) (i32.const 256)))
    (br $kbL))))
`;

/**
 * y[k] (k in [s, i1)) += contributions of rows [i0, i1) of A[s:, s:] x[s:] for a lower-stored symmetric A
 * (row pairs through $symv2; a last odd row as a pair with itself and x1 = 0). x, y address element 0.
 * $out: 16 bytes of scratch.
 */
const SYMV_ROWS = `
(func (export "symvRows") (param $A i32) (param $ld i32) (param $s i32) (param $i0 i32) (param $i1 i32) (param $x i32) (param $y i32) (param $out i32)
  (local $i i32) (local $r0 i32) (local $r1 i32) (local $x0 f64) (local $x1 f64) (local $a10 f64) (local $py i32)
  (local.set $i (local.get $i0))
  (block $done (loop $L
    (br_if $done (i32.ge_s (i32.add (local.get $i) (i32.const 1)) (local.get $i1)))
    (local.set $r0 (i32.add (local.get $A) (i32.mul (local.get $i) (local.get $ld))))
    (local.set $r1 (i32.add (local.get $r0) (local.get $ld)))
    (local.set $x0 (f64.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 3)))))
    (local.set $x1 (f64.load offset=8 (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 3)))))
    (call $symv2 (i32.add (local.get $r0) (i32.shl (local.get $s) (i32.const 3))) (i32.add (local.get $r1) (i32.shl (local.get $s) (i32.const 3)))
      (i32.add (local.get $x) (i32.shl (local.get $s) (i32.const 3))) (i32.add (local.get $y) (i32.shl (local.get $s) (i32.const 3)))
      (i32.sub (local.get $i) (local.get $s)) (local.get $x0) (local.get $x1) (local.get $out))
    (local.set $a10 (f64.load (i32.add (local.get $r1) (i32.shl (local.get $i) (i32.const 3)))))
    (local.set $py (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 3))))
    (f64.store (local.get $py) (f64.add (f64.load (local.get $py)) (f64.add (f64.load (local.get $out))
      (f64.add (f64.mul (f64.load (i32.add (local.get $r0) (i32.shl (local.get $i) (i32.const 3)))) (local.get $x0)) (f64.mul (local.get $a10) (local.get $x1))))))
    (f64.store offset=8 (local.get $py) (f64.add (f64.load offset=8 (local.get $py)) (f64.add (f64.load offset=8 (local.get $out))
      (f64.add (f64.mul (local.get $a10) (local.get $x0)) (f64.mul (f64.load offset=8 (i32.add (local.get $r1) (i32.shl (local.get $i) (i32.const 3)))) (local.get $x1))))))
    (local.set $i (i32.add (local.get $i) (i32.const 2)))
    (br $L)))
  (if (i32.lt_s (local.get $i) (local.get $i1)) (then
    (local.set $r0 (i32.add (local.get $A) (i32.mul (local.get $i) (local.get $ld))))
    (local.set $x0 (f64.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 3)))))
    (call $symv2 (i32.add (local.get $r0) (i32.shl (local.get $s) (i32.const 3))) (i32.add (local.get $r0) (i32.shl (local.get $s) (i32.const 3)))
      (i32.add (local.get $x) (i32.shl (local.get $s) (i32.const 3))) (i32.add (local.get $y) (i32.shl (local.get $s) (i32.const 3)))
      (i32.sub (local.get $i) (local.get $s)) (local.get $x0) (f64.const 0) (local.get $out))
    (local.set $py (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 3))))
    (f64.store (local.get $py) (f64.add (f64.load (local.get $py)) (f64.add (f64.load (local.get $out))
      (f64.mul (f64.load (i32.add (local.get $r0) (i32.shl (local.get $i) (i32.const 3)))) (local.get $x0))))))))
`;

/** out[0:w] += Σ_i a[i][0:w] · v[i] over `rows` rows of stride ld bytes (w even). */
const GEMV_T = `
(func (export "gemvT") (param $a i32) (param $ld i32) (param $rows i32) (param $v i32) (param $out i32) (param $w i32)
  (local $i i32) (local $q i32) (local $vi v128) (local $pa i32) (local $po i32)
  (block $done (loop $L
    (br_if $done (i32.ge_s (local.get $i) (local.get $rows)))
    (local.set $vi (f64x2.splat (f64.load (i32.add (local.get $v) (i32.shl (local.get $i) (i32.const 3))))))
    (local.set $pa (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $ld))))
    (local.set $po (local.get $out))
    (local.set $q (i32.const 0))
    (block $qd (loop $Q
      (br_if $qd (i32.ge_s (local.get $q) (local.get $w)))
      (v128.store (local.get $po) (f64x2.add (v128.load (local.get $po)) (f64x2.mul (v128.load (local.get $pa)) (local.get $vi))))
      (local.set $pa (i32.add (local.get $pa) (i32.const 16)))
      (local.set $po (i32.add (local.get $po) (i32.const 16)))
      (local.set $q (i32.add (local.get $q) (i32.const 2)))
      (br $Q)))
    (local.set $i (i32.add (local.get $i) (i32.const 1)))
    (br $L))))
`;

export interface SimdKernels {
  memory: WebAssembly.Memory;
  module: WebAssembly.Module;
  /** 4×2 register tile of C += alpha·A·Bᵀ (byte pointers and strides). */
  tile(a: number, b: number, c: number, lda: number, ldb: number, ldc: number, kn: number, alpha: number): void;
  symv2(a0: number, a1: number, x: number, y: number, cnt: number, x0: number, x1: number, out: number): void;
  gemm(
    i0: number,
    i1: number,
    n: number,
    K: number,
    alpha: number,
    a: number,
    lda: number,
    b: number,
    ldb: number,
    c: number,
    ldc: number,
    flags: number,
  ): void;
  symvRows(A: number, ld: number, s: number, i0: number, i1: number, x: number, y: number, out: number): void;
  gemvT(a: number, ld: number, rows: number, v: number, out: number, w: number): void;
}

const MAX_PAGES = 32768; // 2 GiB

export const TILE_ROWS = 4;
export const TILE_COLS = 2;

async function load(): Promise<SimdKernels | null> {
  if (process.env.NEON_NO_SIMD === '1') return null;
  try {
    const wat = `(module (import "env" "mem" (memory 1 ${MAX_PAGES} shared)) ${tileWat(TILE_ROWS, TILE_COLS)} ${SYMV2} ${GEMM} ${SYMV_ROWS} ${GEMV_T})`;
    const key = `kernels-${createHash('sha256').update(wat).digest('hex').slice(0, 32)}.wasm`;
    const cached = readBuildCache(key);
    let module: WebAssembly.Module | null = null;
    if (cached) {
      try {
        module = await WebAssembly.compile(cached as Uint8Array<ArrayBuffer>);
      } catch {
        module = null; // unreadable: assemble afresh
      }
    }
    if (!module) {
      const wabt = await (await import('wabt')).default();
      const mod = wabt.parseWat('kernels.wat', wat, { simd: true, threads: true });
      const { buffer } = mod.toBinary({});
      mod.destroy();
      module = await WebAssembly.compile(buffer as Uint8Array<ArrayBuffer>);
      writeBuildCache(key, buffer);
    }
    // shared memory, so that worker threads run the same kernels on the same matrices
    const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
    const instance = await WebAssembly.instantiate(module, { env: { mem: memory } });
    const ex = instance.exports as unknown as Omit<SimdKernels, 'memory' | 'module'>;
    return { memory, module, tile: ex.tile, symv2: ex.symv2, gemm: ex.gemm, symvRows: ex.symvRows, gemvT: ex.gemvT };
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
 * Scratch arrays of the given lengths (zeroed unless zero: false), inside the kernels' memory (plain Float64Arrays without SIMD).
 * The views stay valid until the next call of workspace(): it reuses (and may grow) the same memory.
 */
export function workspace(lengths: readonly number[], opts: { zero?: boolean } = {}): Float64Array[] {
  if (!simd) return lengths.map((n) => new Float64Array(n));
  const zero = opts.zero ?? true;
  const total = lengths.reduce((s, n) => s + n + 2, 0) * 8; // 16-byte aligned blocks
  const have = simd.memory.buffer.byteLength;
  if (total > have) {
    try {
      simd.memory.grow(Math.ceil((total - have) / 65536));
    } catch {
      return lengths.map((n) => new Float64Array(n)); // past the kernels' memory limit: the plain loops serve
    }
  }
  const out: Float64Array[] = [];
  let off = 0;
  for (const n of lengths) {
    const v = new Float64Array(simd.memory.buffer, off, n);
    if (zero) v.fill(0);
    out.push(v);
    off += Math.ceil(n / 2) * 16 + 16;
  }
  return out;
}

// ---- threads: the same kernels on worker threads over the shared memory ----------------------------------------
// Each worker owns a control block: [0] job generation (bumped by the caller), [1] op, [2] finished generation,
// [3] ready; then float64 arguments. The caller blocks in Atomics.wait, so the API stays synchronous.

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, ctl } = workerData;
const ex = new WebAssembly.Instance(module, { env: { mem: memory } }).exports;
const c = new Int32Array(ctl, 0, 8);
const f = new Float64Array(ctl, 32, 16);
let gen = 0;
Atomics.store(c, 3, 1);
Atomics.notify(c, 3);
for (;;) {
  Atomics.wait(c, 0, gen);
  gen = Atomics.load(c, 0);
  const op = c[1];
  if (op === 1) ex.gemm(f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11]);
  else if (op === 2) ex.symvRows(f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]);
  Atomics.store(c, 2, gen);
  Atomics.notify(c, 2);
}
`;

interface Helper {
  c: Int32Array;
  f: Float64Array;
}

let helpers: Helper[] | null = null;

/**
 * Worker threads beside the caller: NEON_THREADS − 1 of them, capped by the cores; by default one (two threads) for
 * the blocked products (GEMM), started on first use. The tridiagonalization's matrix–vector products stay on the
 * caller unless NEON_THREADS is set: their per-column synchronisation costs more than a second thread gains on a
 * shared 2-core machine.
 */
export function kernelHelpers(): Helper[] {
  if (helpers) return helpers;
  helpers = [];
  const want = Math.min(availableParallelism(), Number(process.env.NEON_THREADS ?? 2)) - 1;
  if (!simd || !(want > 0)) return helpers;
  const started: Helper[] = [];
  try {
    for (let t = 0; t < want; t++) {
      const ctl = new SharedArrayBuffer(32 + 16 * 8);
      const h = { c: new Int32Array(ctl, 0, 8), f: new Float64Array(ctl, 32, 16) };
      const w = new Worker(WORKER_SOURCE, {
        eval: true,
        execArgv: [],
        workerData: { module: simd.module, memory: simd.memory, ctl },
      });
      w.unref();
      w.on('error', () => {
        helpers = [];
      });
      // wait (bounded) for the worker to come up
      if (Atomics.wait(h.c, 3, 0, 10_000) === 'timed-out' && Atomics.load(h.c, 3) === 0)
        throw new Error('worker did not start');
      started.push(h);
    }
    helpers = started;
  } catch {
    helpers = [];
  }
  return helpers;
}

function post(h: Helper, op: number, args: readonly number[]): number {
  h.f.set(args);
  h.c[1] = op;
  const g = h.c[0] + 1;
  Atomics.store(h.c, 0, g);
  Atomics.notify(h.c, 0);
  return g;
}

function join(h: Helper, g: number): void {
  for (;;) {
    const done = Atomics.load(h.c, 2);
    if (done === g) return;
    Atomics.wait(h.c, 2, done);
  }
}

/**
 * Runs the wasm gemm over rows [0, m) of C, split across the caller and the helper threads (by area for `lower`).
 */
export function parallelGemm(
  m: number,
  n: number,
  K: number,
  alpha: number,
  a: number,
  lda: number,
  b: number,
  ldb: number,
  c: number,
  ldc: number,
  flags: number,
): void {
  const k = simd!;
  const hs = m * n * K >= 1 << 22 ? kernelHelpers() : [];
  const T = hs.length + 1;
  if (T === 1) {
    k.gemm(0, m, n, K, alpha, a, lda, b, ldb, c, ldc, flags);
    return;
  }
  const lower = (flags & 1) !== 0;
  const cut = (t: number) => {
    if (t >= T) return m;
    const x = lower ? m * Math.sqrt(t / T) : (m * t) / T;
    return Math.min(m, Math.round(x / 4) * 4);
  };
  const gens = hs.map((h, t) => post(h, 1, [cut(t + 1), cut(t + 2), n, K, alpha, a, lda, b, ldb, c, ldc, flags]));
  k.gemm(0, cut(1), n, K, alpha, a, lda, b, ldb, c, ldc, flags);
  hs.forEach((h, t) => join(h, gens[t]));
}

/**
 * y[s:] = A[s:, s:] x[s:] (lower storage, row stride n) split by rows; `ys[t]` is thread t's accumulator
 * (ys[0] = y), `outs` 2 doubles of scratch per thread.
 */
export function parallelSymv(
  A: Float64Array,
  n: number,
  s: number,
  x: Float64Array,
  ys: Float64Array[],
  outs: Float64Array,
): void {
  const k = simd!;
  const hs =
    process.env.NEON_THREADS !== undefined && (n - s) * (n - s) >= 1 << 16
      ? kernelHelpers().slice(0, ys.length - 1)
      : [];
  const T = hs.length + 1;
  for (let t = 0; t < T; t++) ys[t].fill(0, s);
  const cut = (t: number) => (t >= T ? n : Math.min(n, s + Math.round((n - s) * Math.sqrt(t / T))));
  const ld = n * 8;
  const gens = hs.map((h, t) =>
    post(h, 2, [
      A.byteOffset,
      ld,
      s,
      cut(t + 1),
      cut(t + 2),
      x.byteOffset,
      ys[t + 1].byteOffset,
      outs.byteOffset + (t + 1) * 16,
    ]),
  );
  k.symvRows(A.byteOffset, ld, s, s, cut(1), x.byteOffset, ys[0].byteOffset, outs.byteOffset);
  hs.forEach((h, t) => join(h, gens[t]));
  const y = ys[0];
  for (let t = 1; t < T; t++) {
    const yt = ys[t];
    for (let i = s; i < n; i++) y[i] += yt[i];
  }
}

/** Threads the kernels use (the caller included). */
export function kernelThreads(): number {
  return kernelHelpers().length + 1;
}
