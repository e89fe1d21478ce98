// A graph's signature as the Open Inference Protocol v2 describes tensors: name, datatype (FP32, INT64, ...) and
// shape, with -1 for a symbolic or unknown dimension. Initializers listed among the inputs are not inputs.
import { decodeModel, type ValueInfoProto } from './onnx-proto.ts';

export interface TensorSpec {
  name: string;
  datatype: string;
  shape: number[];
}

export interface OnnxSignature {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

/** ONNX TensorProto.DataType → the Open Inference Protocol's datatype names. */
const OIP_DATATYPE: Record<number, string> = {
  1: 'FP32',
  2: 'UINT8',
  3: 'INT8',
  4: 'UINT16',
  5: 'INT16',
  6: 'INT32',
  7: 'INT64',
  8: 'BYTES',
  9: 'BOOL',
  10: 'FP16',
  11: 'FP64',
  12: 'UINT32',
  13: 'UINT64',
  16: 'BF16',
};

function spec(v: ValueInfoProto): TensorSpec {
  return {
    name: v.name,
    datatype: v.elemType !== undefined ? (OIP_DATATYPE[v.elemType] ?? `ONNX_${v.elemType}`) : 'UNKNOWN',
    shape: (v.shape ?? []).map((d) => (d.value !== undefined && d.param === undefined ? d.value : -1)),
  };
}

export function onnxSignature(bytes: Uint8Array): OnnxSignature {
  const g = decodeModel(bytes).graph;
  const inits = new Set(g.initializer.map((t) => t.name));
  return { inputs: g.input.filter((i) => !inits.has(i.name)).map(spec), outputs: g.output.map(spec) };
}
