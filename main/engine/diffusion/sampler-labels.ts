// The names the most used web UI writes into a PNG's `parameters` ("Sampler: DPM++ 2M Karras"),
// so recipes we write read elsewhere, and theirs read here.
import { SAMPLER_NAMES, type SamplerName } from './samplers.ts';

const LABELS: Record<SamplerName, string> = {
  ddim: 'DDIM',
  euler: 'Euler',
  euler_a: 'Euler a',
  dpmpp_2m: 'DPM++ 2M',
};

export function samplerLabel(name: SamplerName, karras: boolean): string {
  return karras ? `${LABELS[name]} Karras` : LABELS[name];
}

/** The sampler and sigma spacing a label names, or null when it is not one we implement. */
export function parseSamplerLabel(label: string): { name: SamplerName; karras: boolean } | null {
  const trimmed = label.trim();
  const karras = / Karras$/i.test(trimmed);
  const base = karras ? trimmed.replace(/ Karras$/i, '') : trimmed;
  for (const name of SAMPLER_NAMES)
    if (LABELS[name].toLowerCase() === base.toLowerCase() || name === base.toLowerCase())
      return { name, karras };
  return null;
}
