// Conv and ConvTranspose (1-D and 2-D tested, the kernels are rank-generic; strides, pads, auto_pad, dilations,
// group, output_padding) on the native kernels of native-conv.ts: onnxruntime computes the products, tfjs
// differentiates through them.
import { convPads, convTransposePads, type AutoPad } from './conv-geometry.ts';
import { installNativeConv, CONV_KERNEL, CONV_TRANSPOSE_KERNEL, type ConvAttrs } from './native-conv.ts';
import { attrInt, attrInts, attrString, input, one, type OpContext, type OpImpl, type Tensor } from './op-context.ts';

function windowAttrs(
  ctx: OpContext,
  w: Tensor,
): { kernel: number[]; strides: number[]; dilations: number[]; group: number; autoPad: AutoPad } {
  const kernel = attrInts(ctx.node, 'kernel_shape') ?? w.shape.slice(2);
  const r = kernel.length;
  const ones = new Array<number>(r).fill(1);
  const strides = attrInts(ctx.node, 'strides');
  const dilations = attrInts(ctx.node, 'dilations');
  return {
    kernel,
    strides: strides && strides.length ? strides : ones,
    dilations: dilations && dilations.length ? dilations : ones,
    group: attrInt(ctx.node, 'group', 1),
    autoPad: attrString(ctx.node, 'auto_pad', 'NOTSET') as AutoPad,
  };
}

function addBias(ctx: OpContext, y: Tensor): Tensor {
  const b = ctx.inputs[2];
  if (!b) return y;
  return ctx.tf.add(y, ctx.tf.reshape(b.tensor, [b.tensor.size, ...new Array<number>(y.rank - 2).fill(1)]));
}

function runKernel(ctx: OpContext, name: string, x: Tensor, w: Tensor, attrs: object): Tensor {
  installNativeConv(ctx.tf);
  const f32 = (t: Tensor) => (t.dtype === 'float32' ? t : ctx.tf.cast(t, 'float32'));
  return ctx.tf.engine().runKernel(name, { x: f32(x), w: f32(w) }, attrs as Record<string, number[]>) as Tensor;
}

export const CONV_OPS: Record<string, OpImpl> = {
  Conv: (ctx) => {
    const x = input(ctx, 0);
    const w = input(ctx, 1);
    const a = windowAttrs(ctx, w);
    const attrs: ConvAttrs = {
      strides: a.strides,
      dilations: a.dilations,
      group: a.group,
      pads: convPads(x.shape.slice(2), a.kernel, a.strides, a.dilations, a.autoPad, attrInts(ctx.node, 'pads')),
    };
    return one(addBias(ctx, runKernel(ctx, CONV_KERNEL, x, w, attrs)));
  },

  ConvTranspose: (ctx) => {
    const x = input(ctx, 0);
    const w = input(ctx, 1);
    const a = windowAttrs(ctx, w);
    if (attrInts(ctx.node, 'output_shape')?.length)
      throw new Error(`ConvTranspose '${ctx.node.name}': output_shape is not supported (use pads and output_padding)`);
    const given = attrInts(ctx.node, 'output_padding');
    const outputPadding = given && given.length ? given : new Array<number>(a.kernel.length).fill(0);
    const pads = convTransposePads(x.shape.slice(2), a, outputPadding, a.autoPad, attrInts(ctx.node, 'pads'));
    const attrs = { strides: a.strides, dilations: a.dilations, group: a.group, pads, outputPadding };
    return one(addBias(ctx, runKernel(ctx, CONV_TRANSPOSE_KERNEL, x, w, attrs)));
  },
};
