import type * as tf from '@tensorflow/tfjs-core';
import { ParamScope, ParamStore } from '../nn/params.ts';
import { ScAdapter } from './sc-adapter.ts';
import { decoderChannels, type SkipLayout } from './skip-layout.ts';

export interface ScTunerConfig {
  layout: SkipLayout;
  /** Hidden width L = round(C * downRatio) per skip (1.0 in the SCEdit configs). */
  downRatio: number;
}

/**
 * SC-Tuner: one adapter per skip, applied as skip + scale * T_j(skip). Parameters are named
 * `lsc_identity.{j}.tuner_op.ln1|ln2.weight|bias` with j in decoder order, as SCEPTER names them.
 */
export class ScTuner {
  readonly params: ParamStore;
  readonly adapters: ScAdapter[];

  constructor(
    readonly config: ScTunerConfig,
    options: { seed?: number; allocate?: boolean } = {},
  ) {
    if (!(config.downRatio > 0)) throw new Error(`SC-Tuner downRatio must be > 0, got ${config.downRatio}`);
    this.params = new ParamStore({ allocate: options.allocate ?? true, seed: options.seed ?? 0 });
    const root = new ParamScope(this.params).child('lsc_identity');
    this.adapters = config.layout.skips.map((_, j) => {
      const channels = decoderChannels(config.layout, j);
      return new ScAdapter(root.child(j), channels, Math.max(1, Math.round(channels * config.downRatio)));
    });
  }

  /** T_j(skip), the edit to add (times the tuner's scale) to decoder skip j. */
  residual(j: number, skip: tf.Tensor4D): tf.Tensor4D {
    const adapter = this.adapters[j];
    if (!adapter) throw new Error(`SC-Tuner has no adapter for skip ${j} (it has ${this.adapters.length}).`);
    return adapter.residual(skip);
  }

  dispose(): void {
    this.params.dispose();
  }
}
