import { z } from 'zod';
import { parseWith } from '../unet/config.ts';

/**
 * A CLIP-style text transformer (HF CLIPTextModel names): token + position embedding, pre-LN
 * blocks, final LayerNorm; the context is the last hidden state [B, T, width].
 */
export const textTransformerConfigSchema = z
  .object({
    vocabSize: z.number().int().positive(),
    width: z.number().int().positive(),
    layers: z.number().int().positive(),
    heads: z.number().int().positive(),
    /** Feed-forward width (CLIP: 4 × width). */
    ffnDim: z.number().int().positive(),
    contextLength: z.number().int().min(2),
    activation: z.enum(['gelu', 'quick_gelu']).default('gelu'),
    /** CLIP attends causally; then padding after <eos> cannot change earlier tokens. */
    causal: z.boolean().default(true),
  })
  .strict()
  .refine((c) => c.width % c.heads === 0, { path: ['heads'], message: 'width must divide by heads' });

export type TextTransformerConfig = z.output<typeof textTransformerConfigSchema>;
export type TextTransformerConfigInput = z.input<typeof textTransformerConfigSchema>;

export function parseTextTransformerConfig(
  value: unknown,
  source = 'text encoder config',
): TextTransformerConfig {
  return parseWith(textTransformerConfigSchema, value, source);
}
