import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../main/engine/backend.ts';
import { prepareMix } from '../../../../main/engine/tuners/composition.ts';
import { CscTuner } from '../../../../main/engine/tuners/csc-tuner.ts';
import { ScTuner } from '../../../../main/engine/tuners/sc-tuner.ts';
import { skipTunerLossAndGrads } from '../../../../main/engine/tuners/skip-training.ts';
import { conditionImage, cscConfig, inputs, tinyUNet } from './fixtures.ts';

beforeAll(async () => {
  await initBackend();
});

interface TapeNode {
  inputs: Record<string, tf.Tensor>;
}

/** Ids of every tensor the tape recorded as an op input, read at the end of the taped function. */
function tapeInputIds(): Set<number> {
  const state = (tf.engine() as unknown as { state: { activeTape: TapeNode[] | null } }).state;
  const ids = new Set<number>();
  for (const node of state.activeTape ?? []) for (const t of Object.values(node.inputs)) ids.add(t.id);
  return ids;
}

describe('training tuners on skips', () => {
  it('records no encoder op on the tape and computes no gradient for U-Net weights', () => {
    const unet = tinyUNet();
    const sc = new ScTuner({ layout: { skips: unet.skipInfo }, downRatio: 1 }, { seed: 1 });
    const csc = new CscTuner(cscConfig(unet), { seed: 2 });
    const { x, t, context } = inputs(2);
    const target = tf.randomNormal(x.shape, 0, 1, 'float32', 5) as tf.Tensor4D;
    const cond = conditionImage();
    const encoderWeights = unet.params
      .list()
      .filter((p) => /^(input_blocks|middle_block|time_embed)\./.test(p.name))
      .map((p) => p.value.id);
    const decoderWeights = unet.params
      .list()
      .filter((p) => /^output_blocks\./.test(p.name))
      .map((p) => p.value.id);
    let recorded = new Set<number>();
    const variables = [...sc.params.variables(), ...csc.params.variables()];
    const { grads, loss } = skipTunerLossAndGrads(
      unet,
      { x, t, context, target },
      () => {
        const mix = prepareMix({
          sc: [{ tuner: sc, scale: 1 }],
          csc: [{ tuner: csc, condition: cond, weight: 1 }],
        });
        const hook = mix.skipHookAt(0)!;
        return (j, skip) => {
          const out = hook(j, skip);
          if (j === unet.skipInfo.length - 1) recorded = tapeInputIds();
          return out;
        };
      },
      variables,
    );
    expect(Number.isFinite(loss)).toBe(true);
    expect(recorded.size).toBeGreaterThan(0);
    for (const id of encoderWeights) expect(recorded.has(id)).toBe(false);
    // The decoder ran on the tape (its blocks before the last skip were recorded).
    expect(decoderWeights.some((id) => recorded.has(id))).toBe(true);
    expect(Object.keys(grads).sort()).toEqual(variables.map((v) => v.name).sort());
    // Fresh tuners: ln2 and dense hints are zero, yet they do get gradients (the path is live).
    const norms = Object.values(grads).map((g) => tf.tidy(() => tf.sum(tf.abs(g)).dataSync()[0]!));
    expect(norms.some((n) => n > 0)).toBe(true);
    tf.dispose([...Object.values(grads), x, t, context, target, cond]);
    sc.dispose();
    csc.dispose();
    unet.params.dispose();
  });

  it('keeps less memory than differentiating through the encoder as well', () => {
    const unet = tinyUNet();
    const sc = new ScTuner({ layout: { skips: unet.skipInfo }, downRatio: 1 }, { seed: 1 });
    const { x, t, context } = inputs(4, 16);
    const target = tf.randomNormal(x.shape, 0, 1, 'float32', 5) as tf.Tensor4D;
    const hook = () => prepareMix({ sc: [{ tuner: sc, scale: 1 }], csc: [] }).skipHookAt(0)!;
    // Bytes held, sampled at every skip hook: that is where backprop state piles up.
    const measure = (encoderOnTape: boolean) => {
      let maxBytes = 0;
      const before = tf.memory().numBytes;
      const sample = () => {
        maxBytes = Math.max(maxBytes, tf.memory().numBytes - before);
      };
      const vars = sc.params.variables();
      if (encoderOnTape) {
        const { grads, value } = tf.variableGrads(() => {
          const h = hook();
          const out = unet.forward(x, t, context, {
            skipHook: (j, s) => {
              sample();
              return h(j, s);
            },
          });
          sample();
          return tf.mean(tf.square(tf.sub(out, target))) as tf.Scalar;
        }, vars);
        tf.dispose([value, ...Object.values(grads)]);
      } else {
        const { grads } = skipTunerLossAndGrads(
          unet,
          { x, t, context, target },
          () => {
            const h = hook();
            return (j, s) => {
              sample();
              return h(j, s);
            };
          },
          vars,
        );
        tf.dispose(Object.values(grads));
      }
      return maxBytes;
    };
    const withEncoder = measure(true);
    const withoutEncoder = measure(false);
    expect(withoutEncoder).toBeLessThan(withEncoder);
    tf.dispose([x, t, context, target]);
    sc.dispose();
    unet.params.dispose();
  });
});
