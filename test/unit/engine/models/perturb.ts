import * as tf from '@tensorflow/tfjs-core';
import type { ParamStore } from '../../../../main/engine/nn/params.ts';

/**
 * Gives every parameter (zero-initialised ones included) small deterministic non-zero values,
 * so that tests of the data flow are not fooled by LDM's zero-initialised output layers.
 */
export function perturbParams(store: ParamStore, seed = 1, scale = 0.2): void {
  store.list().forEach((param, i) => {
    const v = param.value;
    tf.tidy(() => {
      const noise = tf.randomUniform(v.shape, -scale, scale, 'float32', seed * 7919 + i);
      const base = param.name.endsWith('norm.weight') || /norm\d?\.weight$/.test(param.name) ? 1 : 0;
      v.assign(tf.add(noise, base));
    });
  });
}
