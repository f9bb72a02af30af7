import type { SkipInfo } from '../models/unet/unet.ts';

/**
 * What a tuner needs to know about the U-Net it edits: each skip's width and scale, in encoder
 * order (the order the encoder produces them; the decoder consumes them reversed).
 */
export interface SkipLayout {
  skips: SkipInfo[];
}

/** Whether the encoder halves the resolution to produce skip i (where dense hints use stride 2). */
export function downsamplesAt(layout: SkipLayout, i: number): boolean {
  if (i === 0) return false;
  return layout.skips[i]!.downscale > layout.skips[i - 1]!.downscale;
}

/** Channels of skip j in decoder order (j = 0 is the encoder's last output). */
export function decoderChannels(layout: SkipLayout, j: number): number {
  return layout.skips[layout.skips.length - 1 - j]!.channels;
}

/** A short, stable description used to refuse tuners built for another U-Net. */
export function layoutSignature(layout: SkipLayout): string {
  return layout.skips.map((s) => `${s.channels}@${s.downscale}`).join(',');
}
