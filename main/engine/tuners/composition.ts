// Several tuners at generation time. SCEDIT.md: for decoder skip j,
//   x_j' = x_j + c * sum_m a_m * mask_m * (h_j^m + T^m_j(x_j + h_j^m)) + sum_i s_i * T^i_j(x_j)
// with c the global control scale. Hints depend only on the condition image, so `prepareMix`
// computes them once per generation; masks are resized to each skip once too.
// The baselines mix in as well, so they can be compared in the same pipeline: a LoRA is attached to
// the U-Net for the whole generation (its update times its scale); a ControlNet's residuals, times
// its weight and c, are added to the skips and the middle block at every step.
import * as tf from '@tensorflow/tfjs-core';
import type { SkipHook, UNet } from '../models/unet/unet.ts';
import type { ControlNet } from './controlnet.ts';
import type { CscTuner } from './csc-tuner.ts';
import type { LoraTuner } from './lora.ts';
import type { ScTuner } from './sc-tuner.ts';

export interface ScTunerUse {
  tuner: ScTuner;
  scale: number;
}

export interface CscTunerUse {
  tuner: CscTuner;
  /** The condition map [1, H, W, C], values in [0, 1], at the generated image's size. */
  condition: tf.Tensor4D;
  weight: number;
  /** Where this control applies: [1, H, W, 1] in [0, 1] at image size; everywhere when absent. */
  mask?: tf.Tensor4D;
  /** Active for step fractions in [start, end]; the whole run when absent. */
  steps?: [number, number];
}

export interface LoraUse {
  tuner: LoraTuner;
  scale: number;
}

export interface ControlNetUse {
  tuner: ControlNet;
  /** The condition map [1, H, W, C], values in [0, 1], at the generated image's size. */
  condition: tf.Tensor4D;
  weight: number;
  /** Active for step fractions in [start, end]; the whole run when absent. */
  steps?: [number, number];
}

export interface TunerMix {
  sc: ScTunerUse[];
  csc: CscTunerUse[];
  /** Global control scale c (1 by default). */
  controlScale?: number;
  lora?: LoraUse[];
  controlNets?: ControlNetUse[];
}

interface PreparedCsc {
  use: CscTunerUse;
  /** Decoder order. */
  hints: tf.Tensor4D[];
  /** Decoder order; null where no mask was given. */
  masks: (tf.Tensor4D | null)[];
}

export interface PreparedMix {
  /** The hook for the step at `progress` (fraction of steps done, 0..1); undefined = base model. */
  skipHookAt(progress: number): SkipHook | undefined;
  /** The U-Net's prediction with every tuner of the mix, at `progress` (0..1). */
  forward(unet: UNet, x: tf.Tensor4D, t: tf.Tensor1D, context: tf.Tensor3D, progress: number): tf.Tensor4D;
  /** Detaches the LoRAs and frees the hints. */
  dispose(): void;
}

function inRange(progress: number, steps: [number, number] | undefined): boolean {
  if (!steps) return true;
  const [start, end] = steps;
  return progress >= start && progress <= end;
}

export function validateMix(mix: TunerMix): void {
  for (const [i, u] of mix.csc.entries()) {
    if (!Number.isFinite(u.weight)) throw new Error(`condition tuner ${i}: weight must be a number`);
    if (u.steps) {
      const [s, e] = u.steps;
      if (!(s >= 0 && e <= 1 && s <= e))
        throw new Error(`condition tuner ${i}: step range [${s}, ${e}] must satisfy 0 <= start <= end <= 1`);
    }
    if (
      u.mask &&
      (u.mask.shape[1] !== u.condition.shape[1] ||
        u.mask.shape[2] !== u.condition.shape[2] ||
        u.mask.shape[3] !== 1)
    ) {
      throw new Error(
        `condition tuner ${i}: mask [${u.mask.shape}] must be [1, ${u.condition.shape[1]}, ${u.condition.shape[2]}, 1]`,
      );
    }
  }
  for (const [i, u] of mix.sc.entries())
    if (!Number.isFinite(u.scale)) throw new Error(`style tuner ${i}: scale must be a number`);
  for (const [i, u] of (mix.lora ?? []).entries())
    if (!Number.isFinite(u.scale)) throw new Error(`LoRA ${i}: scale must be a number`);
  for (const [i, u] of (mix.controlNets ?? []).entries()) {
    if (!Number.isFinite(u.weight)) throw new Error(`ControlNet ${i}: weight must be a number`);
    if (u.steps) {
      const [s, e] = u.steps;
      if (!(s >= 0 && e <= 1 && s <= e))
        throw new Error(`ControlNet ${i}: step range [${s}, ${e}] must satisfy 0 <= start <= end <= 1`);
    }
  }
}

/** Computes every hint and resized mask once. Tuners with weight 0 are left out entirely. */
export function prepareMix(mix: TunerMix): PreparedMix {
  validateMix(mix);
  const controlScale = mix.controlScale ?? 1;
  const sc = mix.sc.filter((u) => u.scale !== 0);
  const csc: PreparedCsc[] =
    controlScale === 0
      ? []
      : mix.csc
          .filter((u) => u.weight !== 0)
          .map((use) => {
            const hints = use.tuner.hints(use.condition);
            const masks = hints.map((h) =>
              use.mask
                ? tf.tidy(() => tf.image.resizeBilinear(use.mask!, [h.shape[1], h.shape[2]], true))
                : null,
            );
            return { use, hints, masks };
          });
  const controlNets =
    controlScale === 0
      ? []
      : (mix.controlNets ?? [])
          .filter((u) => u.weight !== 0)
          .map((use) => ({ use, hint: use.tuner.hint(use.condition) }));
  const detaches = (mix.lora ?? []).filter((u) => u.scale !== 0).map((u) => u.tuner.attach(u.scale));

  const prepared: PreparedMix = {
    skipHookAt(progress) {
      const active = csc.filter((p) => inRange(progress, p.use.steps));
      if (active.length === 0 && sc.length === 0) return undefined;
      return (j, skip) =>
        tf.tidy(() => {
          let out: tf.Tensor = skip;
          if (active.length > 0) {
            let control: tf.Tensor | null = null;
            for (const p of active) {
              let c: tf.Tensor = p.use.tuner.control(j, skip, p.hints[j]!);
              const mask = p.masks[j];
              if (mask) c = tf.mul(c, mask);
              c = tf.mul(c, p.use.weight);
              control = control ? tf.add(control, c) : c;
            }
            out = tf.add(out, tf.mul(control!, controlScale));
          }
          for (const u of sc) out = tf.add(out, tf.mul(u.tuner.residual(j, skip), u.scale));
          return out as tf.Tensor4D;
        });
    },
    forward(unet, x, t, context, progress) {
      const hook = prepared.skipHookAt(progress);
      const active = controlNets.filter((c) => inRange(progress, c.use.steps));
      if (active.length === 0) return unet.forward(x, t, context, { skipHook: hook });
      return tf.tidy(() => {
        let skips: tf.Tensor4D[] | null = null;
        let middle: tf.Tensor4D | null = null;
        for (const c of active) {
          const r = c.use.tuner.controlsFromHint(x, t, context, c.hint);
          const w = c.use.weight * controlScale;
          const scaled = r.skips.map((s) => tf.mul(s, w) as tf.Tensor4D);
          skips = skips ? skips.map((s, i) => tf.add(s, scaled[i]!) as tf.Tensor4D) : scaled;
          middle = middle
            ? (tf.add(middle, tf.mul(r.middle, w)) as tf.Tensor4D)
            : (tf.mul(r.middle, w) as tf.Tensor4D);
        }
        const residuals = skips!;
        const n = residuals.length;
        const encoding = unet.encode(x, t, context);
        return unet.decode(
          tf.add(encoding.h, middle!) as tf.Tensor4D,
          encoding.skips,
          encoding.emb,
          context,
          {
            skipHook: (j, skip) => {
              const edited = hook ? hook(j, skip) : skip;
              return tf.add(edited, residuals[n - 1 - j]!) as tf.Tensor4D;
            },
          },
        );
      });
    },
    dispose() {
      for (const p of csc) {
        for (const h of p.hints) h.dispose();
        for (const m of p.masks) m?.dispose();
      }
      for (const c of controlNets) c.hint.dispose();
      for (const detach of detaches.reverse()) detach();
    },
  };
  return prepared;
}
