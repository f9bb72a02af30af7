// LoRA (Hu et al. 2021) on a U-Net's attention projections and feed-forward layers: the baseline
// SCEdit is measured against (and a tuner kind the studio may offer). Each targeted Linear gets
// W x + (alpha / r) * up(down(x)); `up` starts at zero so a new LoRA changes nothing.
import * as tf from '@tensorflow/tfjs-core';
import type { UNet } from '../models/unet/unet.ts';
import { Linear } from '../nn/linear.ts';
import { ParamScope, ParamStore } from '../nn/params.ts';
import { findModules } from './module-walk.ts';

/** Attention q/k/v/out and the GEGLU feed-forward's two layers, in LDM names. */
export const LORA_DEFAULT_TARGETS = /(attn[12]\.to_(q|k|v|out\.0)|ff\.net\.(0\.proj|2))\.weight$/;

export interface LoraConfig {
  rank: number;
  /** Scale numerator; the update is multiplied by alpha / rank (default alpha = rank). */
  alpha?: number;
  /** Which Linear weights get a LoRA (a RegExp, or its source as stored in files). */
  targets?: RegExp | string;
}

/** The config as plain data (files, fingerprints): the targets as a RegExp source. */
export interface LoraFileConfig {
  rank: number;
  alpha: number;
  targets: string;
}

interface LoraLayer {
  linear: Linear;
  down: Linear;
  up: Linear;
}

export class LoraTuner {
  readonly params: ParamStore;
  private readonly layers: LoraLayer[];
  private readonly scale: number;

  constructor(
    unet: UNet,
    readonly config: LoraConfig,
    options: { seed?: number } = {},
  ) {
    if (!Number.isInteger(config.rank) || config.rank < 1)
      throw new Error(`LoRA rank must be a positive integer, got ${config.rank}`);
    this.scale = (config.alpha ?? config.rank) / config.rank;
    this.params = new ParamStore({ allocate: true, seed: options.seed ?? 0 });
    const root = new ParamScope(this.params);
    const targets = loraTargets(config);
    const linears = findModules(unet, (v): v is Linear => v instanceof Linear).filter((l) =>
      targets.test(l.weight.name),
    );
    if (linears.length === 0) throw new Error('LoRA found no layer to adapt in this U-Net');
    this.layers = linears.map((linear) => {
      const name = linear.weight.name.replace(/\.weight$/, '');
      const scope = root.child(name);
      const { inFeatures, outFeatures } = linear.config;
      return {
        linear,
        down: new Linear(scope.child('lora_down'), { inFeatures, outFeatures: config.rank, bias: false }),
        up: new Linear(scope.child('lora_up'), {
          inFeatures: config.rank,
          outFeatures,
          bias: false,
          zeroInit: true,
        }),
      };
    });
  }

  get layerCount(): number {
    return this.layers.length;
  }

  fileConfig(): LoraFileConfig {
    return {
      rank: this.config.rank,
      alpha: this.config.alpha ?? this.config.rank,
      targets: loraTargets(this.config).source,
    };
  }

  /**
   * Wraps each targeted layer (the update times `multiplier`, the user's LoRA scale); returns the
   * function that restores them. Several LoRAs may be attached; detach in reverse order.
   */
  attach(multiplier = 1): () => void {
    if (!Number.isFinite(multiplier)) throw new Error(`LoRA scale must be a number, got ${multiplier}`);
    const restores = this.layers.map(({ linear, down, up }) => {
      const previous = Object.getOwnPropertyDescriptor(linear, 'apply');
      const base = linear.apply.bind(linear);
      const scale = this.scale * multiplier;
      linear.apply = <T extends tf.Tensor>(x: T): T =>
        tf.tidy(() => tf.add(base(x), tf.mul(up.apply(down.apply(x)), scale)) as T);
      return () => {
        if (previous) Object.defineProperty(linear, 'apply', previous);
        else Reflect.deleteProperty(linear, 'apply');
      };
    });
    return () => {
      for (const restore of restores) restore();
    };
  }

  dispose(): void {
    this.params.dispose();
  }
}

function loraTargets(config: LoraConfig): RegExp {
  const t = config.targets ?? LORA_DEFAULT_TARGETS;
  if (t instanceof RegExp) return t;
  try {
    return new RegExp(t);
  } catch {
    throw new Error(`LoRA targets ${JSON.stringify(t)} is not a valid regular expression`);
  }
}
