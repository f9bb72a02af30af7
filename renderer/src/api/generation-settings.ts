import type { Sampler } from '../../../shared/api/generation-schemas.ts';

export interface StyleTunerChoice {
  readonly tunerId: string;
  readonly scale: number;
}

/** The generate panel's fields (the canvas size lives in the scene). */
export interface GenerationSettings {
  readonly prompt: string;
  readonly negativePrompt: string;
  readonly seed: number;
  /** false: a fresh random seed for every generation (the used seed is reported back). */
  readonly seedLocked: boolean;
  readonly steps: number;
  readonly guidance: number;
  readonly sampler: Sampler;
  readonly batchCount: number;
  readonly baseModel: string | null;
  readonly styleTuners: readonly StyleTunerChoice[];
}

export const DEFAULT_GENERATION_SETTINGS: GenerationSettings = {
  prompt: '',
  negativePrompt: '',
  seed: 0,
  seedLocked: false,
  steps: 20,
  guidance: 7,
  sampler: 'euler-a',
  batchCount: 1,
  baseModel: null,
  styleTuners: [],
};

export const SAMPLER_LABELS: Record<Sampler, string> = {
  ddim: 'DDIM',
  euler: 'Euler',
  'euler-a': 'Euler a',
  'dpmpp-2m': 'DPM++ 2M',
};

export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 32);
}
