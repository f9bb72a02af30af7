import { describe, expect, it } from 'vitest';
import { embedded } from '../../../main/engine/models/configs/embedded.ts';
import { sd15 } from '../../../main/engine/models/configs/sd15.ts';
import { parseLatentDiffusionConfig } from '../../../main/engine/models/latent-diffusion-config.ts';
import { UNet } from '../../../main/engine/models/unet/unet.ts';
import { ControlNet } from '../../../main/engine/tuners/controlnet.ts';
import { cscParameterBudget } from '../../../main/engine/tuners/csc-budget.ts';
import { CscTuner, defaultCscTunerConfig, preHintPlan } from '../../../main/engine/tuners/csc-tuner.ts';

// Issue 11's target: a CSC-Tuner at most 8 % of a ControlNet's trainable parameters.
describe('the default CSC-Tuner config', () => {
  it('on SD 1.5 keeps the reference pre-hint (16, 16, 32, 32, 96, 96, 256) and 1x1 dense hints, about 8 % of ControlNet', () => {
    const unet = UNet.describe(sd15.unet);
    const controlNet = ControlNet.parameterCount(unet, { latentFactor: 8, conditionChannels: 3 });
    const maxParameters = cscParameterBudget(unet, 8);
    const config = defaultCscTunerConfig({ skips: unet.skipInfo }, 'canny', 8, { maxParameters });
    expect(preHintPlan(config).map((s) => s.width)).toEqual([16, 16, 32, 32, 96, 96, 256]);
    expect(config.denseHintKernel).toBe(1);
    // 3x3 hints where the hint halves would take SD to ~13 %: over the budget, so not taken.
    expect(config.downsampleHintKernel).toBeUndefined();
    const halving3x3 = new CscTuner(
      { ...config, downsampleHintKernel: 3 },
      { allocate: false },
    ).params.count();
    expect(halving3x3 / controlNet).toBeGreaterThan(0.12);
    const csc = new CscTuner(config, { allocate: false }).params.count();
    expect(csc / controlNet).toBeLessThan(0.085);
    expect(csc / controlNet).toBeGreaterThan(0.07);
  });

  it('on the embedded model takes 3x3 hints where the hint halves and holds under 8 % of ControlNet (3x3 everywhere held 10.5 %)', () => {
    const cfg = parseLatentDiffusionConfig(embedded, 'embedded');
    const unet = UNet.describe(cfg.unet);
    const layout = { skips: unet.skipInfo };
    const controlNet = ControlNet.parameterCount(unet, { latentFactor: 4, conditionChannels: 3 });
    const maxParameters = cscParameterBudget(unet, 4);
    const config = defaultCscTunerConfig(layout, 'depth', 4, { maxParameters });
    expect(config.denseHintKernel).toBe(1);
    expect(config.downsampleHintKernel).toBe(3);
    const csc = new CscTuner(config, { allocate: false }).params.count();
    expect(csc / controlNet).toBeLessThan(0.06);
    expect(csc / controlNet).toBeGreaterThan(0.05);
    const wide = new CscTuner({ ...config, denseHintKernel: 3 }, { allocate: false }).params.count();
    expect(wide / controlNet).toBeGreaterThan(0.08);
    // Without a budget (or a tight one) every dense hint is 1x1: 3.7 %.
    const plain = defaultCscTunerConfig(layout, 'depth', 4, { maxParameters: csc - 1 });
    expect(plain.downsampleHintKernel).toBeUndefined();
    expect(new CscTuner(plain, { allocate: false }).params.count() / controlNet).toBeLessThan(0.04);
    expect(defaultCscTunerConfig(layout, 'depth', 4).downsampleHintKernel).toBeUndefined();
    expect(defaultCscTunerConfig(layout, 'depth', 4, { downRatio: 0.5 }).downRatio).toBe(0.5);
  });
});
