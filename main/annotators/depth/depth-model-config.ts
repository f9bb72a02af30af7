// The JSON that says how to feed a user's depth model and read its output. For a TF.js graph
// model it is optional (depth.json beside model.json); for safetensors it is config.json and
// also describes the network (see conv-net-depth.ts).
import { z } from 'zod';

export const depthIoConfigSchema = z.object({
  /** Side (or [height, width]) the picture is resized to; a fixed graph input shape wins. */
  input_size: z
    .union([
      z.number().int().min(8).max(4096),
      z.tuple([z.number().int().min(8).max(4096), z.number().int().min(8).max(4096)]),
    ])
    .optional(),
  /** Per-channel normalisation of 0..1 RGB: (x - mean) / std (default none). */
  input_mean: z.tuple([z.number(), z.number(), z.number()]).default([0, 0, 0]),
  input_std: z
    .tuple([z.number().positive(), z.number().positive(), z.number().positive()])
    .default([1, 1, 1]),
  /** 'disparity' (larger = nearer, MiDaS' convention; default) or 'depth' (larger = farther). */
  output: z.enum(['disparity', 'depth']).default('disparity'),
  /**
   * A model trained on absolute map levels (the figure world's exact depth): output × this is
   * already 0..255 levels, near = bright ('depth' output: far = bright), kept as they are instead
   * of stretched to the full range. Absent: the output is relative depth.
   */
  output_scale: z.number().positive().max(65_536).optional(),
});

export type DepthIoConfig = z.infer<typeof depthIoConfigSchema>;

/** "input_size: expected number" style lines for a person reading the error. */
export function describeZodIssues(error: z.ZodError, prefix = ''): string {
  return error.issues
    .map((i) => `${prefix}${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`)
    .join('; ');
}
