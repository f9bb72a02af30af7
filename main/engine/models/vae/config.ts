import { z } from 'zod';
import { parseWith } from '../unet/config.ts';

/**
 * AutoencoderKL in the LDM layout (ldm.modules.diffusionmodules.model Encoder/Decoder).
 * The latent is `downscale` = 2^(channelMult.length - 1) times smaller than the image.
 * `attentionLevels` adds AttnBlocks inside the down/up levels (SD uses none: only the middle).
 */
export const vaeConfigSchema = z
  .object({
    inChannels: z.number().int().positive().default(3),
    outChannels: z.number().int().positive().default(3),
    baseChannels: z.number().int().positive(),
    channelMult: z.array(z.number().int().positive()).min(1),
    numResBlocks: z.number().int().positive(),
    attentionLevels: z.array(z.number().int().nonnegative()).default([]),
    latentChannels: z.number().int().positive(),
    /** Latents are multiplied by this before diffusion (SD 1.5: 0.18215). */
    scaleFactor: z.number().positive(),
    normGroups: z.number().int().positive().default(32),
  })
  .strict()
  .superRefine((c, ctx) => {
    for (const mult of c.channelMult) {
      if ((c.baseChannels * mult) % c.normGroups !== 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['channelMult'],
          message: `${c.baseChannels * mult} channels do not split into ${c.normGroups} norm groups`,
        });
      }
    }
  });

export type VaeConfig = z.output<typeof vaeConfigSchema>;
export type VaeConfigInput = z.input<typeof vaeConfigSchema>;

export function parseVaeConfig(value: unknown, source = 'VAE config'): VaeConfig {
  return parseWith(vaeConfigSchema, value, source);
}
