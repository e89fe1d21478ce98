// The element types the safetensors format names (safetensors `Dtype`, including the OCP MX and FP8 types),
// with their size in bits. Sub-byte types (F4, F6_*) are packed: a tensor's bit count must be a whole number
// of bytes. Arithmetic is defined for F64, F32, F16 and BF16; every other type is copied as bytes.

export const DTYPE_BITS = {
  BOOL: 8,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
  U8: 8,
  I8: 8,
  F8_E5M2: 8,
  F8_E4M3: 8,
  F8_E8M0: 8,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  C64: 64,
  F64: 64,
  I64: 64,
  U64: 64,
} as const;

export type Dtype = keyof typeof DTYPE_BITS;

export const DTYPES = Object.keys(DTYPE_BITS) as Dtype[];

/** The dtypes whose elements the merge computes with. */
export type FloatDtype = 'F64' | 'F32' | 'F16' | 'BF16';

export function isDtype(s: string): s is Dtype {
  return Object.hasOwn(DTYPE_BITS, s);
}

export function isArithmeticDtype(d: Dtype): d is FloatDtype {
  return d === 'F64' || d === 'F32' || d === 'F16' || d === 'BF16';
}

/** Bytes per element for whole-byte dtypes; undefined for packed sub-byte ones. */
export function dtypeBytes(d: Dtype): number | undefined {
  const bits = DTYPE_BITS[d];
  return bits % 8 === 0 ? bits / 8 : undefined;
}
