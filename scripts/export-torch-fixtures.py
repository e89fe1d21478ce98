#!/usr/bin/env python3
"""Reference fixtures from PyTorch itself, for `neon import` and `neon check-model`.

Builds two small seeded networks the way people write them in PyTorch, exports each with torch.onnx.export
(do_constant_folding=False and TrainingMode.TRAINING, so every parameter stays an initializer under its PyTorch
name), and saves one batch with PyTorch's loss mean((output - target)^2) and the gradient of that loss with
respect to every parameter:

  unet         a class-conditional U-Net with the flow family's contract (x [N,1,28,28], t [N,1], y [N] -> velocity):
               GroupNorm + SiLU residual blocks, strided-conv downsampling, ConvTranspose and nearest-Resize
               upsampling, a self-attention block, sinusoidal time and class embeddings (nn.Embedding)
  transformer  a small causal transformer with the ar family's contract (x [N,784] levels, y [N] -> logits
               [N, 784*4]): token (pixel level) and position embeddings, LayerNorm, GELU, a causal mask
               (triu + masked_fill) over image rows, and a masked linear for the pixels before it in its row

Files written to OUT (default tests/fixtures/torch/): NAME.onnx, NAME-batch.npz (arrays named by the graph's
inputs plus `target`), NAME-grads.safetensors (F32, by parameter name), NAME-expected.json (loss, opset, torch).

Usage: python3 scripts/export-torch-fixtures.py [OUT]   (Debian: apt-get install -y python3-torch)
"""
import json
import math
import os
import struct
import sys

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

OPSET = 17


def sinusoidal(t, dim):
    """[N, 1] times in [0, 1] -> [N, dim] (sin, cos) features at geometric frequencies."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
    args = t * 1000.0 * freqs[None, :]
    return torch.cat([torch.sin(args), torch.cos(args)], dim=1)


class ResBlock(nn.Module):
    def __init__(self, cin, cout, emb, groups=4):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.emb = nn.Linear(emb, cout)
        self.norm2 = nn.GroupNorm(groups, cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, e):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.emb(F.silu(e))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return self.skip(x) + h


class SelfAttention(nn.Module):
    def __init__(self, ch, heads=2, groups=4):
        super().__init__()
        self.heads = heads
        self.norm = nn.GroupNorm(groups, ch)
        self.qkv = nn.Conv2d(ch, 3 * ch, 1)
        self.proj = nn.Conv2d(ch, ch, 1)

    def forward(self, x):
        n, c, h, w = x.shape
        d = c // self.heads
        qkv = self.qkv(self.norm(x)).reshape(n, 3, self.heads, d, h * w)
        q, k, v = qkv[:, 0], qkv[:, 1], qkv[:, 2]
        att = torch.softmax(torch.einsum('bhdi,bhdj->bhij', q, k) / math.sqrt(d), dim=-1)
        out = torch.einsum('bhij,bhdj->bhdi', att, v).reshape(n, c, h, w)
        return x + self.proj(out)


class UNet(nn.Module):
    """28 -> 14 -> 7 and back; attention at 7x7."""

    def __init__(self, ch=16, emb=32, classes=10):
        super().__init__()
        self.emb_dim = emb
        self.time_mlp = nn.Sequential(nn.Linear(emb, emb), nn.SiLU(), nn.Linear(emb, emb))
        self.class_emb = nn.Embedding(classes + 1, emb)  # the last row is the null class
        self.conv_in = nn.Conv2d(1, ch, 3, padding=1)
        self.down1 = ResBlock(ch, ch, emb)
        self.pool1 = nn.Conv2d(ch, ch, 3, stride=2, padding=1)
        self.down2 = ResBlock(ch, 2 * ch, emb)
        self.pool2 = nn.Conv2d(2 * ch, 2 * ch, 3, stride=2, padding=1)
        self.mid1 = ResBlock(2 * ch, 2 * ch, emb)
        self.attn = SelfAttention(2 * ch)
        self.mid2 = ResBlock(2 * ch, 2 * ch, emb)
        self.up2 = nn.ConvTranspose2d(2 * ch, 2 * ch, 4, stride=2, padding=1)
        self.dec2 = ResBlock(4 * ch, ch, emb)
        self.up1 = nn.Conv2d(ch, ch, 3, padding=1)
        self.dec1 = ResBlock(2 * ch, ch, emb)
        self.norm_out = nn.GroupNorm(4, ch)
        self.conv_out = nn.Conv2d(ch, 1, 3, padding=1)

    def forward(self, x, t, y):
        e = self.time_mlp(sinusoidal(t, self.emb_dim)) + self.class_emb(y)
        h0 = self.down1(self.conv_in(x), e)  # 28
        h1 = self.down2(self.pool1(h0), e)  # 14
        h = self.mid1(self.pool2(h1), e)  # 7
        h = self.mid2(self.attn(h), e)
        h = self.dec2(torch.cat([self.up2(h), h1], dim=1), e)  # 14
        h = self.up1(F.interpolate(h, scale_factor=2.0, mode='nearest'))  # 28
        h = self.dec1(torch.cat([h, h0], dim=1), e)
        return self.conv_out(F.silu(self.norm_out(h)))


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.ln2 = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, 4 * dim)
        self.fc2 = nn.Linear(4 * dim, dim)

    def forward(self, x):
        n, l, c = x.shape
        d = c // self.heads
        q, k, v = self.qkv(self.ln1(x)).split(c, dim=2)
        q = q.reshape(n, l, self.heads, d).transpose(1, 2)
        k = k.reshape(n, l, self.heads, d).transpose(1, 2)
        v = v.reshape(n, l, self.heads, d).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(d)
        mask = torch.triu(torch.ones(l, l, dtype=torch.bool), diagonal=1)
        att = torch.softmax(att.masked_fill(mask, float('-inf')), dim=-1)
        out = (att @ v).transpose(1, 2).reshape(n, l, c)
        x = x + self.proj(out)
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class ArTransformer(nn.Module):
    """A causal transformer over image rows with the ar family's contract: x [N, H*W] pixel levels as values in
    [-1, 1] (raster order), y [N] -> logits [N, H*W*K] where pixel (r, c) sees rows < r (attention under a causal
    mask, the class embedding as the start token) and pixels (r, c' < c) (a strictly lower-triangular linear)."""

    def __init__(self, levels=4, h=28, w=28, dim=32, heads=2, layers=2, classes=10, emb=4):
        super().__init__()
        self.levels, self.h, self.w, self.emb_dim = levels, h, w, emb
        self.tok = nn.Embedding(levels, emb)  # token embedding of a pixel level
        self.row_in = nn.Linear(w * emb, dim)
        self.cls = nn.Embedding(classes + 1, dim)  # the start token, per class (the last is the null class)
        self.pos = nn.Embedding(h, dim)
        self.blocks = nn.ModuleList([Block(dim, heads) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, w * levels)
        self.intra = nn.Parameter(torch.randn(w * levels, w * emb) * 0.02)
        col_out = torch.arange(w * levels) // levels
        col_in = torch.arange(w * emb) // emb
        # a bool buffer exports as a non-float initializer, i.e. a constant: float initializers are parameters
        self.register_buffer('intra_keep', col_in[None, :] < col_out[:, None])

    def forward(self, x, y):
        n = x.shape[0]
        tokens = ((x + 1.0) * (0.5 * (self.levels - 1)) + 0.5).long()  # level k <- value 2k/(K-1) - 1
        e = self.tok(tokens).reshape(n, self.h, self.w * self.emb_dim)
        rows = self.row_in(e)
        positions = torch.arange(self.h, dtype=torch.long)
        seq = torch.cat([self.cls(y)[:, None, :], rows[:, :-1, :]], dim=1) + self.pos(positions)[None]
        for b in self.blocks:
            seq = b(seq)
        logits = self.head(self.ln_f(seq)) + e @ self.intra.masked_fill(~self.intra_keep, 0.0).t()
        return logits.reshape(n, self.h * self.w * self.levels)


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name], dtype='<f4')
        header[name] = {'dtype': 'F32', 'shape': list(a.shape), 'data_offsets': [offset, offset + a.nbytes]}
        blobs.append(a.tobytes())
        offset += a.nbytes
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * (-len(h) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def export(name, model, feeds, input_names, out):
    model.eval()
    target = torch.randn_like(model(*feeds))
    torch.onnx.export(
        model, tuple(feeds), os.path.join(out, f'{name}.onnx'), input_names=input_names, output_names=['out'],
        opset_version=OPSET, do_constant_folding=False, training=torch.onnx.TrainingMode.TRAINING,
        dynamic_axes={n: {0: 'N'} for n in input_names + ['out']},
    )
    model.zero_grad()
    loss = torch.mean((model(*feeds) - target) ** 2)
    loss.backward()
    arrays = {n: f.numpy() for n, f in zip(input_names, feeds)}
    arrays['target'] = target.detach().numpy()
    np.savez(os.path.join(out, f'{name}-batch.npz'), **arrays)
    write_safetensors(os.path.join(out, f'{name}-grads.safetensors'), {n: p.grad.numpy() for n, p in model.named_parameters()})
    params = sum(p.numel() for p in model.parameters())
    with open(os.path.join(out, f'{name}-expected.json'), 'w') as f:
        json.dump({'loss': loss.item(), 'opset': OPSET, 'torch': torch.__version__, 'parameters': params}, f, indent=2)
        f.write('\n')
    print(f'{name}: {params} parameters, loss {loss.item():.6f}')


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'torch')
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(20261202)
    unet = UNet()
    n = 4
    x = torch.randn(n, 1, 28, 28)
    t = torch.rand(n, 1)
    y = torch.tensor([0, 3, 9, 10], dtype=torch.long)
    export('unet', unet, [x, t, y], ['x', 't', 'y'], out)
    torch.manual_seed(20261203)
    tr = ArTransformer()
    levels = torch.randint(0, 4, (3, 28 * 28))
    export('transformer', tr, [2.0 * levels.float() / 3.0 - 1.0, torch.tensor([1, 5, 10], dtype=torch.long)], ['x', 'y'], out)


if __name__ == '__main__':
    main()
