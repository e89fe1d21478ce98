// A minimal ONNX model written by hand (protobuf wire format, onnx/onnx.proto): input x [N, C, H, W] float32 →
// Flatten(axis = 1) → y [N, C·H·W]. Its "features" are the preprocessed pixels themselves, which makes it a
// transparent extractor for tests and smoke runs of the onnxruntime path.

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 127) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
const key = (field: number, wire: number) => varint(field * 8 + wire);
const int = (field: number, v: number) => [...key(field, 0), ...varint(v)];
const bytes = (field: number, b: number[]) => [...key(field, 2), ...varint(b.length), ...b];
const str = (field: number, s: string) => bytes(field, [...new TextEncoder().encode(s)]);

/** dims: numbers are fixed sizes, strings symbolic ('N'). */
function valueInfo(name: string, dims: (number | string)[]): number[] {
  const shape = dims.flatMap((d) => bytes(1, typeof d === 'number' ? int(1, d) : str(2, d)));
  const tensorType = [...int(1, 1 /* FLOAT */), ...bytes(2, shape)];
  return [...str(1, name), ...bytes(2, bytes(1, tensorType))];
}

export function flattenOnnxModel(c: number, h: number, w: number): Uint8Array {
  const attr = [...str(1, 'axis'), ...int(3, 1), ...int(20, 2 /* INT */)];
  const node = [...str(1, 'x'), ...str(2, 'y'), ...str(4, 'Flatten'), ...bytes(5, attr)];
  const graph = [
    ...bytes(1, node),
    ...str(2, 'flatten'),
    ...bytes(11, valueInfo('x', ['N', c, h, w])),
    ...bytes(12, valueInfo('y', ['N', c * h * w])),
  ];
  const model = [...int(1, 8 /* IR version */), ...bytes(8, [...str(1, ''), ...int(2, 13)]), ...bytes(7, graph)];
  return Uint8Array.from(model);
}
