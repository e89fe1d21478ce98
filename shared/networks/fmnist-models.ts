// The three shipped Fashion-MNIST generators: their networks, manifests and pretraining settings, in one place.
import type { ModelProto } from '../onnx/onnx-proto.ts';
import type { ManifestInput } from '../models/manifest.ts';
import { buildDenoiserMlp } from './denoiser-mlp.ts';
import { buildDenoiserUnet } from './denoiser-unet.ts';
import { buildMadeAr } from './made-ar.ts';
import { EDM_DEFAULTS } from '../diffusion/edm.ts';

export const FMNIST_FAMILIES = ['flow', 'edm', 'ar'] as const;
export type FmnistFamily = (typeof FMNIST_FAMILIES)[number];

export const FMNIST_SHAPE: [number, number, number] = [1, 28, 28];
export const FMNIST_CLASSES = 10;
/** Quantization levels of the autoregressive model. */
export const AR_LEVELS = 4;

/** The continuous families' networks: the residual FiLM MLP (shipped) or the convolutional U-Net. */
export const DENOISER_NETWORKS = ['mlp', 'unet'] as const;
export type DenoiserNetwork = (typeof DENOISER_NETWORKS)[number];

export interface Sizes {
  /** Smaller networks for tests (the continuous families' tiny network is always the MLP). */
  tiny?: boolean;
  /** The continuous families' network (default 'mlp'). */
  network?: DenoiserNetwork;
  /** The U-Net's channels at full resolution (default UNET_CHANNELS). */
  channels?: number;
}

/** Channels of the U-Net at full resolution (twice that at half resolution). */
export const UNET_CHANNELS = 24;

export function buildNetwork(family: FmnistFamily, seed: number, sizes: Sizes = {}): ModelProto {
  const t = sizes.tiny;
  if (family === 'ar') {
    return buildMadeAr(`fmnist-${family}`, {
      pixels: 784,
      levels: AR_LEVELS,
      numClasses: FMNIST_CLASSES,
      width: t ? 64 : 512,
      blocks: 1,
      head: t ? 32 : 256,
      seed,
    });
  }
  const maxFreq = family === 'flow' ? 200 : 50;
  if (t || sizes.network !== 'unet') {
    return buildDenoiserMlp(`fmnist-${family}`, {
      shape: FMNIST_SHAPE,
      numClasses: FMNIST_CLASSES,
      width: t ? 32 : 384,
      hidden: t ? 64 : 512,
      blocks: t ? 1 : 3,
      embed: t ? 16 : 128,
      maxFreq,
      seed,
    });
  }
  return buildDenoiserUnet(`fmnist-${family}`, {
    shape: FMNIST_SHAPE,
    numClasses: FMNIST_CLASSES,
    channels: sizes.channels ?? UNET_CHANNELS,
    groups: 8,
    heads: 2,
    embed: 128,
    maxFreq,
    seed,
  });
}

/**
 * The manifest of a freshly built network (training and metrics are filled in by pretraining). The U-Net's
 * sampler defaults take fewer steps: its network evaluations cost ~30× the MLP's.
 */
export function baseManifest(family: FmnistFamily, model: ModelProto, network: DenoiserNetwork = 'mlp'): ManifestInput {
  const unet = network === 'unet';
  const net = unet ? 'convolutional U-Net' : 'residual FiLM MLP';
  const inputs = Object.fromEntries(model.graph.input.map((i) => [i.name, i.name]));
  const out = model.graph.output[0].name;
  const conditioning = { num_classes: FMNIST_CLASSES, null_class: FMNIST_CLASSES, label_dropout: 0.1 };
  const common = { name: `fmnist-${family}`, family, conditioning, io: { inputs, outputs: { out } } } as const;
  switch (family) {
    case 'flow':
      return {
        ...common,
        description: `Class-conditional rectified flow on Fashion-MNIST (velocity prediction, ${net})`,
        data: { shape: FMNIST_SHAPE, range: [-1, 1] },
        loss: { kind: 'flow-matching', params: { t: 'uniform' } },
        sampler: { kind: 'heun', steps: unet ? 8 : 10, guidance_scale: 3 },
      };
    case 'edm':
      return {
        ...common,
        description: `Class-conditional EDM diffusion on Fashion-MNIST (Karras et al. 2022 preconditioning, ${net})`,
        data: { shape: FMNIST_SHAPE, range: [-1, 1] },
        loss: {
          kind: 'edm',
          params: { sigma_data: EDM_DEFAULTS.sigmaData, p_mean: EDM_DEFAULTS.pMean, p_std: EDM_DEFAULTS.pStd },
        },
        sampler: {
          kind: 'edm-heun',
          steps: unet ? 10 : 18,
          guidance_scale: 3,
          params: { sigma_min: EDM_DEFAULTS.sigmaMin, sigma_max: EDM_DEFAULTS.sigmaMax, rho: EDM_DEFAULTS.rho },
        },
      };
    case 'ar':
      return {
        ...common,
        description: `Class-conditional autoregressive model (MADE) over raster-ordered pixels quantized to ${AR_LEVELS} levels`,
        data: { shape: FMNIST_SHAPE, range: [-1, 1], vocab: AR_LEVELS },
        loss: { kind: 'cross-entropy', params: {} },
        sampler: { kind: 'ancestral', guidance_scale: 4, temperature: 0.8, top_k: 0 },
      };
  }
}
