// The interpreter's vocabulary shared by every operator family: values, the context an operator runs in
// (its node, inputs and the model's opset), attribute readers and small tensor helpers.
import type * as tfc from '@tensorflow/tfjs-core';
import { AttrType, DataType, type AttributeProto, type NodeProto, type TensorProto } from '../../onnx/onnx-proto.ts';
import { tensorBytes, tensorToFloat32 } from '../../onnx/tensor-data.ts';
import type { TF } from './tf-backend.ts';

export type Tensor = tfc.Tensor;

/** A value in the interpreter: a tensor, plus its contents when known while building (shapes, axes). */
export interface Value {
  tensor: Tensor;
  /** Integer contents known statically (from Constant nodes, int initializers or Shape). */
  ints?: number[];
}

export interface OpContext {
  tf: TF;
  node: NodeProto;
  /** The node's inputs; an empty input name gives undefined. */
  inputs: (Value | undefined)[];
  /** The model's version of the default ONNX domain: attributes that became inputs follow it. */
  opset: number;
}

export type OpImpl = (ctx: OpContext) => Value[];

/** The opset the interpreter assumes when a model does not say (the project's graph builder writes 17). */
export const DEFAULT_OPSET = 17;

// ---------------------------------------------------------------- attributes

function attr(node: NodeProto, name: string): AttributeProto | undefined {
  return node.attribute.find((a) => a.name === name);
}

export function attrInt(node: NodeProto, name: string, dflt: number): number {
  const a = attr(node, name);
  return a?.i ?? dflt;
}

export function attrFloat(node: NodeProto, name: string, dflt: number): number {
  const a = attr(node, name);
  return a?.f ?? dflt;
}

export function attrInts(node: NodeProto, name: string): number[] | undefined {
  const a = attr(node, name);
  return a?.ints ?? (a?.type === AttrType.INTS ? [] : undefined);
}

export function attrFloats(node: NodeProto, name: string): number[] | undefined {
  const a = attr(node, name);
  return a?.floats ?? (a?.type === AttrType.FLOATS ? [] : undefined);
}

export function attrString(node: NodeProto, name: string, dflt: string): string {
  const a = attr(node, name);
  return a?.s ? new TextDecoder().decode(a.s) : dflt;
}

export function attrTensor(node: NodeProto, name: string): TensorProto | undefined {
  return attr(node, name)?.t;
}

// ---------------------------------------------------------------- inputs

export function input(ctx: OpContext, i: number): Tensor {
  const v = ctx.inputs[i];
  if (!v) throw new Error(`${ctx.node.opType} '${ctx.node.name}': input ${i} is missing`);
  return v.tensor;
}

/** The integer contents of an input (shape, axes, starts...), statically if known, else read back. */
export function ints(ctx: OpContext, i: number): number[] | undefined {
  const v = ctx.inputs[i];
  if (!v) return undefined;
  if (v.ints) return v.ints;
  return Array.from(v.tensor.dataSync(), Number);
}

/** A scalar float input read back (Clip bounds, Pad value...), or undefined when the input is absent or empty. */
export function scalarInput(ctx: OpContext, i: number): number | undefined {
  const v = ctx.inputs[i];
  if (!v || v.tensor.size === 0) return undefined;
  return Number(v.ints ? v.ints[0] : v.tensor.dataSync()[0]);
}

/** Axes given as an attribute before `inputSince` and as input `inputIndex` from that opset on. */
export function axesOf(ctx: OpContext, inputSince: number, inputIndex: number): number[] | undefined {
  if (ctx.opset < inputSince) return attrInts(ctx.node, 'axes');
  const v = ctx.inputs[inputIndex];
  if (!v || v.tensor.size === 0) return v ? [] : undefined;
  return ints(ctx, inputIndex);
}

export const one = (tensor: Tensor, ints?: number[]): Value[] => [{ tensor, ints }];
export const norm = (axis: number, rank: number): number => (axis < 0 ? axis + rank : axis);
export const prod = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

export function unary(f: (tf: TF, x: Tensor) => Tensor): OpImpl {
  return (ctx) => one(f(ctx.tf, input(ctx, 0)));
}

export function binary(f: (tf: TF, a: Tensor, b: Tensor) => Tensor): OpImpl {
  return (ctx) => one(f(ctx.tf, input(ctx, 0), input(ctx, 1)));
}

// ---------------------------------------------------------------- tensors

export function toTfDtype(onnxType: number): 'float32' | 'int32' | 'bool' {
  switch (onnxType) {
    case DataType.FLOAT:
    case DataType.DOUBLE:
    case DataType.FLOAT16:
    case DataType.BFLOAT16:
      return 'float32';
    case DataType.BOOL:
      return 'bool';
    default:
      return 'int32';
  }
}

function intsOf(t: TensorProto, modelPath?: string): number[] {
  const b = tensorBytes(t, modelPath);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  switch (t.dataType) {
    case DataType.INT64:
      return Array.from({ length: b.length / 8 }, (_, i) => Number(dv.getBigInt64(i * 8, true)));
    case DataType.INT32:
      return Array.from({ length: b.length / 4 }, (_, i) => dv.getInt32(i * 4, true));
    case DataType.BOOL:
    case DataType.UINT8:
      return Array.from(b);
    default:
      throw new Error(`tensor '${t.name}': not an integer type (${t.dataType})`);
  }
}

/** A TensorProto as an interpreter value (floats as float32, integers as int32 with their contents known). */
export function tensorValue(tf: TF, t: TensorProto, modelPath?: string): Value {
  if (t.dataType === DataType.FLOAT) return { tensor: tf.tensor(tensorToFloat32(t, modelPath), t.dims, 'float32') };
  if (t.dataType === DataType.DOUBLE) {
    const b = tensorBytes(t, modelPath);
    const f64 = new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    return { tensor: tf.tensor(Float32Array.from(f64), t.dims, 'float32') };
  }
  const values = intsOf(t, modelPath);
  const dtype = t.dataType === DataType.BOOL ? 'bool' : 'int32';
  return { tensor: tf.tensor(values, t.dims, dtype), ints: values };
}

/** Moves `axis` to the end (the permutation and its inverse). */
export function axisLastPerm(rank: number, axis: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i).filter((i) => i !== axis);
  perm.push(axis);
  return perm;
}

export function inversePerm(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}
