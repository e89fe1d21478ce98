// The operator cases both engine tests run: the parity test (onnxruntime vs the tfjs interpreter, every case)
// and the finite-difference gradient test (the cases marked `grad`). Each case is one small ONNX graph.
import { GraphBuilder, float, type AttrValue } from '../../onnx/graph-builder.ts';
import { DataType, type ModelProto } from '../../onnx/onnx-proto.ts';
import { floatTensor, int64Tensor } from '../../onnx/tensor-data.ts';
import { f32, i64, type Feeds } from '../tensor.ts';

/** One input of a case's node. */
export type InputSpec =
  | { rand: number[] } // random float in [−2, 2)
  | { pos: number[] } // random float in [0.2, 2.2)
  | { idx: number[]; dims: number[] } // an int64 graph input (indices)
  | { i64: number[]; dims?: number[] } // an int64 constant
  | { f32: number[]; dims?: number[] } // a float constant
  | { none: true }; // an absent optional input

export interface OpCase {
  op: string;
  label?: string;
  inputs: InputSpec[];
  attrs?: Record<string, AttrValue>;
  opset?: number;
  outputs?: number;
  /** the element types of the outputs (FLOAT by default) */
  outTypes?: number[];
  /** also checked against finite differences (every float input, as a parameter) */
  grad?: boolean;
  /** a graph built by hand instead of one node: returns the outputs */
  build?: (g: GraphBuilder, xs: string[]) => string[];
}

const r = (...shape: number[]): InputSpec => ({ rand: shape });
const pos = (...shape: number[]): InputSpec => ({ pos: shape });
const ints = (values: number[], dims?: number[]): InputSpec => ({ i64: values, dims });
const floats = (values: number[], dims?: number[]): InputSpec => ({ f32: values, dims });
const none: InputSpec = { none: true };
const BOOL = DataType.BOOL;
const INT64 = DataType.INT64;

export const OP_CASES: OpCase[] = [
  // elementwise
  { op: 'Identity', inputs: [r(3, 4)] },
  { op: 'Add', inputs: [r(2, 3, 4), r(4)], grad: true },
  { op: 'Sub', inputs: [r(2, 3, 4), r(3, 1)] },
  { op: 'Mul', inputs: [r(2, 3), r(2, 3)], grad: true },
  { op: 'Div', inputs: [r(2, 3), pos(1, 3)], grad: true },
  { op: 'Pow', inputs: [pos(2, 3), r(2, 3)], grad: true },
  { op: 'Pow', label: 'Pow by a constant', inputs: [pos(2, 3), floats([2])], grad: true },
  { op: 'Max', inputs: [r(2, 3), r(3), r(2, 1)] },
  { op: 'Min', inputs: [r(2, 3), r(2, 3)] },
  { op: 'Sum', inputs: [r(2, 3), r(3), r(2, 3)] },
  { op: 'Neg', inputs: [r(5)] },
  { op: 'Abs', inputs: [r(5)] },
  { op: 'Sign', inputs: [r(5)] },
  { op: 'Floor', inputs: [r(5)] },
  { op: 'Ceil', inputs: [r(5)] },
  { op: 'Relu', inputs: [r(4, 5)] },
  { op: 'LeakyRelu', inputs: [r(4, 5)], attrs: { alpha: float(0.2) } },
  { op: 'Elu', inputs: [r(4, 5)], attrs: { alpha: float(0.7) } },
  { op: 'Sigmoid', inputs: [r(4, 5)], grad: true },
  { op: 'HardSigmoid', inputs: [r(4, 5)], attrs: { alpha: float(0.3), beta: float(0.4) } },
  { op: 'Tanh', inputs: [r(4, 5)] },
  { op: 'Exp', inputs: [r(4, 5)], grad: true },
  { op: 'Log', inputs: [pos(4, 5)] },
  { op: 'Sqrt', inputs: [pos(4, 5)], grad: true },
  { op: 'Reciprocal', inputs: [pos(4, 5)] },
  { op: 'Sin', inputs: [r(4, 5)], grad: true },
  { op: 'Cos', inputs: [r(4, 5)], grad: true },
  { op: 'Erf', inputs: [r(4, 5)], grad: true },
  { op: 'Softplus', inputs: [r(4, 5)] },
  { op: 'Gelu', inputs: [r(4, 5)], opset: 20, grad: true },
  { op: 'Gelu', label: 'Gelu tanh', inputs: [r(4, 5)], attrs: { approximate: 'tanh' }, opset: 20 },
  { op: 'Clip', inputs: [r(4, 5), floats([-0.5], []), floats([0.7], [])], grad: true },
  { op: 'Clip', label: 'Clip min only', inputs: [r(4, 5), floats([-0.5], []), none] },
  { op: 'Mod', inputs: [r(4, 5), pos(4, 5)], attrs: { fmod: 1 } },
  { op: 'Mod', label: 'Mod int64', inputs: [ints([-7, 5, 9, -8]), ints([3, -3, 4, -3])], outTypes: [INT64] },
  { op: 'CumSum', inputs: [r(3, 4), ints([1], [])], grad: true },
  {
    op: 'CumSum',
    label: 'CumSum exclusive reverse',
    inputs: [r(3, 4), ints([-2], [])],
    attrs: { exclusive: 1, reverse: 1 },
    grad: true,
  },

  // matrix products
  { op: 'MatMul', inputs: [r(3, 4), r(4, 5)], grad: true },
  { op: 'MatMul', label: 'MatMul 3d×2d', inputs: [r(2, 3, 4), r(4, 5)] },
  { op: 'MatMul', label: 'MatMul batched', inputs: [r(2, 3, 4), r(2, 4, 5)], grad: true },
  { op: 'MatMul', label: 'MatMul vector', inputs: [r(2, 3, 4), r(4)] },
  {
    op: 'Gemm',
    inputs: [r(4, 3), r(5, 4), r(5)],
    attrs: { transA: 1, transB: 1, alpha: float(0.5), beta: float(2) },
    grad: true,
  },
  {
    op: 'Einsum',
    label: 'Einsum attention scores',
    inputs: [r(2, 3, 4, 5), r(2, 3, 6, 5)],
    attrs: { equation: 'bhqd,bhkd->bhqk' },
    grad: true,
  },
  {
    op: 'Einsum',
    label: 'Einsum attention values',
    inputs: [r(2, 3, 4, 6), r(2, 3, 6, 5)],
    attrs: { equation: 'bhqk,bhkd->bhqd' },
    grad: true,
  },
  { op: 'Einsum', label: 'Einsum ellipsis', inputs: [r(2, 3, 4), r(4, 5)], attrs: { equation: '...ij,jk->...ik' } },
  { op: 'Einsum', label: 'Einsum implicit outer', inputs: [r(3), r(4)], attrs: { equation: 'i,j' } },
  { op: 'Einsum', label: 'Einsum transpose and sum', inputs: [r(2, 3, 4)], attrs: { equation: 'bij->jb' } },
  {
    op: 'Einsum',
    label: 'Einsum three operands',
    inputs: [r(2, 3), r(3, 4), r(4, 2)],
    attrs: { equation: 'ij,jk,kl->il' },
    grad: true,
  },

  // shapes
  { op: 'Reshape', inputs: [r(2, 3, 4), ints([0, -1])] },
  { op: 'Flatten', inputs: [r(2, 3, 4)], attrs: { axis: 2 } },
  { op: 'Transpose', inputs: [r(2, 3, 4)], attrs: { perm: [2, 0, 1] }, grad: true },
  { op: 'Concat', inputs: [r(2, 3), r(2, 5)], attrs: { axis: -1 }, grad: true },
  { op: 'Unsqueeze', inputs: [r(2, 3), ints([0, -1])] },
  { op: 'Unsqueeze', label: 'Unsqueeze opset 11 (axes attribute)', inputs: [r(2, 3)], attrs: { axes: [1] }, opset: 11 },
  { op: 'Squeeze', inputs: [r(2, 1, 3, 1), ints([1])] },
  {
    op: 'Squeeze',
    label: 'Squeeze opset 11 (axes attribute)',
    inputs: [r(2, 1, 3, 1)],
    attrs: { axes: [3] },
    opset: 11,
  },
  { op: 'Slice', inputs: [r(6, 5), ints([1, 0]), ints([5, -1]), ints([0, 1]), ints([2, 1])], grad: true },
  { op: 'Slice', label: 'Slice reversed', inputs: [r(6, 5), ints([-1]), ints([-100]), ints([0]), ints([-2])] },
  { op: 'Gather', inputs: [r(10, 4), { idx: [3, 0, 9, 3], dims: [2, 2] }], grad: true },
  {
    op: 'Gather',
    label: 'Gather axis 1, negative indices',
    inputs: [r(3, 6, 2), ints([-1, 2, 2], [3])],
    attrs: { axis: 1 },
    grad: true,
  },
  { op: 'Split', inputs: [r(4, 6), ints([2, 4])], attrs: { axis: 1 }, outputs: 2, grad: true },
  {
    op: 'Split',
    label: 'Split opset 18 num_outputs',
    inputs: [r(5, 2)],
    attrs: { axis: 0, num_outputs: 3 },
    outputs: 3,
    opset: 18,
  },
  {
    op: 'Split',
    label: 'Split opset 11 (split attribute)',
    inputs: [r(4, 6)],
    attrs: { axis: 1, split: [1, 5] },
    outputs: 2,
    opset: 11,
  },
  { op: 'Expand', inputs: [r(3, 1), ints([2, 3, 4])], grad: true },
  { op: 'Cast', inputs: [r(3, 4)], attrs: { to: DataType.FLOAT } },
  { op: 'Cast', label: 'Cast to int64 truncates', inputs: [r(3, 4)], attrs: { to: INT64 }, outTypes: [INT64] },
  { op: 'Dropout', inputs: [r(3, 4)] },
  { op: 'Shape', inputs: [r(2, 3, 4)], attrs: { start: 1 }, outTypes: [INT64] },
  { op: 'Size', inputs: [r(2, 3, 4)], outTypes: [INT64] },

  // reductions and softmax
  { op: 'Softmax', inputs: [r(3, 4, 5)], attrs: { axis: 1 }, grad: true },
  { op: 'LogSoftmax', inputs: [r(3, 4, 5)], attrs: { axis: -1 } },
  { op: 'ReduceMean', inputs: [r(3, 4, 5)], attrs: { axes: [1], keepdims: 0 }, grad: true },
  { op: 'ReduceMean', label: 'ReduceMean opset 18 (axes input)', inputs: [r(3, 4, 5), ints([-1, 0])], opset: 18 },
  { op: 'ReduceMax', inputs: [r(3, 4, 5), ints([2])], opset: 18 },
  { op: 'ReduceMin', inputs: [r(3, 4, 5)], attrs: { axes: [0], keepdims: 0 } },
  { op: 'ReduceSum', inputs: [r(3, 4, 5), ints([0, 2])] },
  { op: 'ReduceSumSquare', inputs: [r(3, 4, 5), ints([1])], opset: 18 },
  { op: 'ReduceL2', inputs: [r(3, 4, 5)], attrs: { axes: [2] } },

  // normalization
  { op: 'LayerNormalization', inputs: [r(3, 4, 8), r(8), r(8)], attrs: { axis: -1, epsilon: float(1e-5) }, grad: true },
  { op: 'InstanceNormalization', inputs: [r(2, 4, 5, 6), r(4), r(4)], attrs: { epsilon: float(1e-5) }, grad: true },
  {
    op: 'GroupNormalization',
    label: 'GroupNormalization opset 18 (scale per group)',
    inputs: [r(2, 6, 4, 4), r(3), r(3)],
    attrs: { num_groups: 3, epsilon: float(1e-5) },
    opset: 18,
    grad: true,
  },
  {
    op: 'GroupNormalization',
    label: 'GroupNormalization opset 21 (scale per channel)',
    inputs: [r(2, 6, 4, 4), r(6), r(6)],
    attrs: { num_groups: 2, epsilon: float(1e-5) },
    opset: 21,
    grad: true,
  },
  {
    op: 'BatchNormalization',
    inputs: [r(2, 3, 4, 4), r(3), r(3), r(3), pos(3)],
    attrs: { epsilon: float(1e-5) },
    grad: true,
  },
  {
    op: 'InstanceNormalization',
    label: 'GroupNorm as PyTorch exports it at opset ≤ 17',
    inputs: [r(2, 8, 4, 4), r(8), r(8)],
    grad: true,
    build: (g, [x, scale, bias]) => {
      const grouped = g.op('Reshape', [x, g.constInt64([2, 4, -1])]);
      const normed = g.op(
        'InstanceNormalization',
        [grouped, g.constFloat(new Float32Array(4).fill(1), [4]), g.constFloat(new Float32Array(4), [4])],
        { epsilon: float(1e-5) },
      );
      const back = g.op('Reshape', [normed, g.op('Shape', [x])]);
      const sh = g.constInt64([8, 1, 1]);
      return [g.op('Add', [g.op('Mul', [back, g.op('Reshape', [scale, sh])]), g.op('Reshape', [bias, sh])])];
    },
  },

  // convolutions
  { op: 'Conv', inputs: [r(2, 3, 7, 7), r(4, 3, 3, 3), r(4)], attrs: { pads: [1, 1, 1, 1] }, grad: true },
  {
    op: 'Conv',
    label: 'Conv strided, dilated, asymmetric pads, grouped',
    inputs: [r(2, 4, 11, 10), r(6, 2, 3, 2)],
    attrs: { strides: [2, 3], dilations: [2, 1], pads: [1, 0, 2, 1], group: 2 },
    grad: true,
  },
  {
    op: 'Conv',
    label: 'Conv depthwise SAME_UPPER stride 2',
    inputs: [r(2, 4, 8, 7), r(4, 1, 3, 3), r(4)],
    attrs: { group: 4, auto_pad: 'SAME_UPPER', strides: [2, 2] },
    grad: true,
  },
  { op: 'Conv', label: 'Conv SAME_LOWER', inputs: [r(1, 2, 6, 6), r(3, 2, 2, 2)], attrs: { auto_pad: 'SAME_LOWER' } },
  {
    op: 'Conv',
    label: 'Conv VALID',
    inputs: [r(1, 2, 6, 5), r(3, 2, 3, 2)],
    attrs: { auto_pad: 'VALID', strides: [2, 1] },
  },
  {
    op: 'Conv',
    label: 'Conv 1-D',
    inputs: [r(2, 3, 10), r(5, 3, 3), r(5)],
    attrs: { strides: [2], pads: [1, 1] },
    grad: true,
  },
  {
    op: 'ConvTranspose',
    inputs: [r(2, 4, 5, 5), r(4, 3, 3, 3), r(3)],
    attrs: { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] },
    grad: true,
  },
  {
    op: 'ConvTranspose',
    label: 'ConvTranspose grouped, dilated',
    inputs: [r(1, 4, 4, 6), r(4, 2, 2, 3)],
    attrs: { group: 2, strides: [2, 1], dilations: [1, 2] },
    grad: true,
  },
  {
    op: 'ConvTranspose',
    label: 'ConvTranspose 1-D',
    inputs: [r(2, 3, 7), r(3, 2, 4), r(2)],
    attrs: { strides: [2], pads: [1, 1] },
    grad: true,
  },

  // pooling
  {
    op: 'AveragePool',
    inputs: [r(2, 3, 7, 7)],
    attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] },
    grad: true,
  },
  {
    op: 'AveragePool',
    label: 'AveragePool count_include_pad, ceil_mode',
    inputs: [r(1, 2, 6, 7)],
    attrs: { kernel_shape: [3, 2], strides: [2, 2], pads: [1, 0, 1, 0], count_include_pad: 1, ceil_mode: 1 },
  },
  {
    op: 'AveragePool',
    label: 'AveragePool 2×2',
    inputs: [r(2, 3, 8, 8)],
    attrs: { kernel_shape: [2, 2], strides: [2, 2] },
    grad: true,
  },
  {
    op: 'MaxPool',
    inputs: [r(2, 3, 7, 7)],
    attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] },
    grad: true,
  },
  {
    op: 'MaxPool',
    label: 'MaxPool dilated, ceil_mode',
    inputs: [r(1, 2, 9, 8)],
    attrs: { kernel_shape: [2, 2], strides: [2, 2], dilations: [2, 1], ceil_mode: 1 },
  },
  {
    op: 'MaxPool',
    label: 'MaxPool 1-D SAME_UPPER',
    inputs: [r(2, 3, 9)],
    attrs: { kernel_shape: [3], strides: [2], auto_pad: 'SAME_UPPER' },
  },
  { op: 'GlobalAveragePool', inputs: [r(2, 3, 4, 5)], grad: true },
  { op: 'GlobalMaxPool', inputs: [r(2, 3, 4, 5)] },

  // padding and resizing
  { op: 'Pad', inputs: [r(2, 3, 4, 5), ints([0, 0, 1, 2, 0, 0, 2, 1]), floats([0.5], [])], grad: true },
  {
    op: 'Pad',
    label: 'Pad reflect',
    inputs: [r(2, 3, 4, 5), ints([0, 0, 1, 2, 0, 0, 3, 1])],
    attrs: { mode: 'reflect' },
    grad: true,
  },
  {
    op: 'Pad',
    label: 'Pad edge',
    inputs: [r(2, 3, 4, 5), ints([0, 1, 2, 0, 0, 0, 1, 3])],
    attrs: { mode: 'edge' },
    grad: true,
  },
  { op: 'Pad', label: 'Pad negative (crop)', inputs: [r(2, 3, 4, 5), ints([0, 0, -1, 2, 0, 0, 1, -2])] },
  {
    op: 'Pad',
    label: 'Pad opset 18 axes',
    inputs: [r(2, 3, 4, 5), ints([1, 2, 2, 1]), none, ints([2, -1])],
    attrs: { mode: 'reflect' },
    opset: 18,
  },
  {
    op: 'Pad',
    label: 'Pad wrap',
    inputs: [r(2, 3, 4, 5), ints([0, 0, 1, 2, 0, 0, 2, 1])],
    attrs: { mode: 'wrap' },
    opset: 19,
  },
  {
    op: 'Resize',
    label: 'Resize nearest asymmetric floor ×2',
    inputs: [r(2, 3, 3, 4), none, floats([1, 1, 2, 2])],
    attrs: { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' },
    grad: true,
  },
  {
    op: 'Resize',
    label: 'Resize nearest half_pixel sizes',
    inputs: [r(1, 2, 5, 4), none, none, ints([1, 2, 7, 9])],
    attrs: { mode: 'nearest' },
  },
  {
    op: 'Resize',
    label: 'Resize linear half_pixel sizes',
    inputs: [r(1, 2, 4, 3), none, none, ints([1, 2, 7, 5])],
    attrs: { mode: 'linear' },
    grad: true,
  },
  {
    op: 'Resize',
    label: 'Resize linear align_corners ×2',
    inputs: [r(2, 2, 3, 4), none, floats([1, 1, 2, 2])],
    attrs: { mode: 'linear', coordinate_transformation_mode: 'align_corners' },
    grad: true,
  },
  {
    op: 'Resize',
    label: 'Resize linear pytorch_half_pixel down and up',
    inputs: [r(1, 2, 6, 4), none, floats([1, 1, 0.5, 1.5])],
    attrs: { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' },
    grad: true,
  },
  {
    op: 'Resize',
    label: 'Resize opset 18 axes',
    inputs: [r(1, 2, 4, 3), none, none, ints([6, 5])],
    attrs: { mode: 'linear', axes: [2, 3] },
    opset: 18,
  },
  {
    op: 'Resize',
    label: 'Resize opset 11 (roi and scales required)',
    inputs: [r(1, 2, 3, 3), floats([], [0]), floats([1, 1, 2, 2])],
    attrs: { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' },
    opset: 11,
  },

  // masks and shape arithmetic
  {
    op: 'Equal',
    inputs: [r(3, 4), r(3, 4)],
    outTypes: [BOOL],
    build: (g, [a, b]) => [g.op('Equal', [g.op('Floor', [a]), g.op('Floor', [b])])],
  },
  { op: 'Less', inputs: [r(3, 4), r(4)], outTypes: [BOOL] },
  { op: 'LessOrEqual', inputs: [r(3, 4), r(4)], outTypes: [BOOL] },
  { op: 'Greater', inputs: [r(3, 4), r(3, 1)], outTypes: [BOOL] },
  { op: 'GreaterOrEqual', inputs: [r(3, 4), r(3, 1)], outTypes: [BOOL] },
  {
    op: 'Not',
    inputs: [r(3, 4)],
    outTypes: [BOOL],
    build: (g, [a]) => [g.op('Not', [g.op('Greater', [a, g.constFloat([0], [])])])],
  },
  {
    op: 'And',
    inputs: [r(3, 4), r(3, 4)],
    outTypes: [BOOL, BOOL, BOOL],
    build: (g, [a, b]) => {
      const [pa, pb] = [g.op('Greater', [a, g.constFloat([0], [])]), g.op('Less', [b, g.constFloat([0.5], [])])];
      return [g.op('And', [pa, pb]), g.op('Or', [pa, pb]), g.op('Xor', [pa, pb])];
    },
  },
  {
    op: 'Or',
    inputs: [],
    outTypes: [BOOL],
    build: (g) => [
      g.op('Or', [
        g.op('Cast', [g.constInt64([0, 1, 0])], { to: BOOL }),
        g.op('Cast', [g.constInt64([0, 0, 1])], { to: BOOL }),
      ]),
    ],
  },
  {
    op: 'Xor',
    inputs: [],
    outTypes: [BOOL],
    build: (g) => [
      g.op('Xor', [
        g.op('Cast', [g.constInt64([0, 1, 1])], { to: BOOL }),
        g.op('Cast', [g.constInt64([0, 0, 1])], { to: BOOL }),
      ]),
    ],
  },
  {
    op: 'Where',
    inputs: [r(3, 4), r(3, 4), r(4)],
    grad: true,
    build: (g, [c, a, b]) => [g.op('Where', [g.op('Greater', [c, g.constFloat([0], [])]), a, b])],
  },
  { op: 'Trilu', inputs: [r(2, 4, 5), ints([1], [])], attrs: { upper: 1 }, grad: true },
  { op: 'Trilu', label: 'Trilu lower', inputs: [r(2, 4, 5), ints([-1], [])], attrs: { upper: 0 } },
  {
    op: 'Trilu',
    label: "PyTorch's causal mask: Trilu of a bool matrix, broadcast by Where over the heads",
    inputs: [r(3, 2, 9, 9)],
    build: (g, [scores]) => {
      const ones = g.op(
        'Cast',
        [g.op('ConstantOfShape', [g.constInt64([9, 9])], { value: int64Tensor('v', [1], [1]) })],
        { to: BOOL },
      );
      const future = g.op('Trilu', [ones, g.constInt64([1], [])], { upper: 1 });
      return [g.op('Softmax', [g.op('Where', [future, g.constFloat([-Infinity], []), scores])], { axis: -1 })];
    },
  },
  { op: 'Range', inputs: [ints([2], []), ints([11], []), ints([3], [])], outTypes: [INT64] },
  { op: 'Range', label: 'Range float', inputs: [floats([0.5], []), floats([-2], []), floats([-0.75], [])] },
  { op: 'ConstantOfShape', inputs: [ints([2, 3])], attrs: { value: floatTensor('v', [1], Float32Array.from([1.5])) } },
  {
    op: 'ConstantOfShape',
    label: 'ConstantOfShape int64',
    inputs: [ints([4])],
    attrs: { value: int64Tensor('v', [1], [7]) },
    outTypes: [INT64],
  },
  {
    op: 'Constant',
    label: 'a causal mask as exporters build it',
    inputs: [r(2, 5, 5)],
    build: (g, [scores]) => {
      // Shape → Gather → Range → Unsqueeze → Less → Where(mask, −∞-like, scores) → Softmax
      const n = g.op('Gather', [g.op('Shape', [scores]), g.constInt64([1], [])], { axis: 0 });
      const idx = g.op('Range', [g.constInt64([0], []), n, g.constInt64([1], [])]);
      const future = g.op('Less', [
        g.op('Unsqueeze', [idx, g.constInt64([1])]),
        g.op('Unsqueeze', [idx, g.constInt64([0])]),
      ]);
      const masked = g.op('Where', [future, g.constFloat([-1e9], []), scores]);
      return [g.op('Softmax', [masked], { axis: -1 })];
    },
  },
];

/** Builds a case's model and random feeds; in `asParams` mode float inputs become parameters (initializers). */
export function buildOpCase(c: OpCase, rand: () => number, asParams = false): { model: ModelProto; feeds: Feeds } {
  const g = new GraphBuilder(c.op);
  const feeds: Feeds = {};
  const names: string[] = c.inputs.map((spec, i) => {
    if ('rand' in spec || 'pos' in spec) {
      const shape = 'rand' in spec ? spec.rand : spec.pos;
      const n = shape.reduce((a, b) => a * b, 1);
      const values = Float32Array.from({ length: n }, () => ('pos' in spec ? 0.2 + 2 * rand() : 4 * rand() - 2));
      if (asParams) return g.param(`p${i}`, shape, values);
      feeds[`in${i}`] = f32(values, shape);
      return g.input(`in${i}`, shape);
    }
    if ('idx' in spec) {
      feeds[`idx${i}`] = i64(spec.idx, spec.dims);
      return g.input(`idx${i}`, spec.dims, DataType.INT64);
    }
    if ('i64' in spec) return g.constInt64(spec.i64, spec.dims ?? [spec.i64.length]);
    if ('f32' in spec) return g.constFloat(spec.f32, spec.dims ?? [spec.f32.length]);
    return '';
  });
  const outs = c.build ? c.build(g, names) : g.opN(c.op, names, c.outputs ?? 1, c.attrs ?? {});
  outs.forEach((o, i) => g.output(o, undefined, c.outTypes?.[i] ?? DataType.FLOAT));
  const model = g.build();
  const opset = c.opset ?? 17;
  model.opsetImport = [{ domain: '', version: opset }];
  if (opset >= 21) model.irVersion = 10;
  return { model, feeds };
}

export function caseLabel(c: OpCase): string {
  return c.label ?? c.op;
}
