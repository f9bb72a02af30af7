import { z } from 'zod';
import { textTransformerConfigSchema } from './text/config.ts';
import { parseWith, unetConfigSchema } from './unet/config.ts';
import { vaeConfigSchema } from './vae/config.ts';

/** The three networks of a latent diffusion model, as one plain JSON config. */
export const latentDiffusionConfigSchema = z
  .object({ unet: unetConfigSchema, vae: vaeConfigSchema, text: textTransformerConfigSchema })
  .strict()
  .superRefine((c, ctx) => {
    if (c.unet.contextDim !== c.text.width) {
      ctx.addIssue({
        code: 'custom',
        path: ['unet', 'contextDim'],
        message: `is ${c.unet.contextDim} but the text encoder's width is ${c.text.width}`,
      });
    }
    if (c.unet.inChannels !== c.vae.latentChannels) {
      ctx.addIssue({
        code: 'custom',
        path: ['unet', 'inChannels'],
        message: `is ${c.unet.inChannels} but the VAE has ${c.vae.latentChannels} latent channels`,
      });
    }
  });

export type LatentDiffusionConfig = z.output<typeof latentDiffusionConfigSchema>;
export type LatentDiffusionConfigInput = z.input<typeof latentDiffusionConfigSchema>;

export function parseLatentDiffusionConfig(value: unknown, source = 'model config'): LatentDiffusionConfig {
  return parseWith(latentDiffusionConfigSchema, value, source);
}
