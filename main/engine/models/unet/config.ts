import { z } from 'zod';

/**
 * A U-Net in the LDM structure (openaimodel.UNetModel). Attention sits at the levels listed in
 * `attentionLevels` (level i works at 1/2^i of the input size; LDM's attention_resolutions
 * [4, 2, 1] for SD 1.5 are levels [2, 1, 0]). Give exactly one of `numHeads` (head width =
 * channels / heads) or `headDim` (heads = channels / headDim), as LDM's num_heads /
 * num_head_channels.
 */
export const unetConfigSchema = z
  .object({
    inChannels: z.number().int().positive(),
    outChannels: z.number().int().positive(),
    modelChannels: z.number().int().positive(),
    channelMult: z.array(z.number().int().positive()).min(1),
    numResBlocks: z.number().int().positive(),
    attentionLevels: z.array(z.number().int().nonnegative()),
    numHeads: z.number().int().positive().optional(),
    headDim: z.number().int().positive().optional(),
    contextDim: z.number().int().positive(),
    transformerDepth: z.number().int().positive().default(1),
    /** Linear proj_in/proj_out in the transformer (SD 2.x) instead of 1×1 convs (SD 1.x). */
    useLinearProjection: z.boolean().default(false),
    normGroups: z.number().int().positive().default(32),
  })
  .strict()
  .superRefine((c, ctx) => {
    if ((c.numHeads === undefined) === (c.headDim === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['numHeads'],
        message: 'give exactly one of numHeads or headDim',
      });
    }
    for (const level of c.attentionLevels) {
      if (level >= c.channelMult.length) {
        ctx.addIssue({
          code: 'custom',
          path: ['attentionLevels'],
          message: `level ${level} does not exist (channelMult has ${c.channelMult.length} levels)`,
        });
      }
    }
    for (const mult of c.channelMult) {
      if ((c.modelChannels * mult) % c.normGroups !== 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['channelMult'],
          message: `${c.modelChannels * mult} channels do not split into ${c.normGroups} norm groups`,
        });
      }
    }
  });

export type UNetConfig = z.output<typeof unetConfigSchema>;
export type UNetConfigInput = z.input<typeof unetConfigSchema>;

/** Validates a U-Net config; `source` names where it came from in the error. */
export function parseUNetConfig(value: unknown, source = 'U-Net config'): UNetConfig {
  return parseWith(unetConfigSchema, value, source);
}

export function parseWith<S extends z.ZodType>(schema: S, value: unknown, source: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`${source} is invalid: ${problems.join('; ')}`);
  }
  return result.data;
}
