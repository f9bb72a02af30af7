import { describe, expect, it } from 'vitest';
import { staleRecord, type TrainingRecord, tunerFile } from '../../bench/control/training.ts';

const settings = { steps: 200, batch: 8, lr: 1e-4, captionDropout: 0.5, seed: 0, trainImages: 512 };
const record: TrainingRecord = {
  kind: 'csc',
  condition: 'depth',
  settings,
  parameterCount: 118_076,
  trainSeconds: 100,
  cpuSeconds: 90,
  prepareSeconds: 5,
  finalLoss: 0.08,
  baseModel: { id: 'scedit-embedded-v1', hash: 'abc' },
};

describe('reusing tuners the control bench trained', () => {
  it('reuses a file trained with the same settings for the same model', () => {
    expect(staleRecord(record, { ...settings }, 'abc', 118_076)).toBeNull();
  });

  it('says which settings differ, or that the base model does', () => {
    expect(staleRecord(record, { ...settings, steps: 10, batch: 4 }, 'abc', 118_076)).toBe(
      'with other settings (steps 200, now 10; batch 8, now 4)',
    );
    expect(staleRecord(record, settings, 'def', 118_076)).toBe('for another base model (scedit-embedded-v1)');
  });

  it("trains again when the studio's default tuner for the model has changed design", () => {
    expect(staleRecord(record, settings, 'abc', 182_076)).toBe(
      'as another design (118076 parameters; the default now has 182076)',
    );
  });

  it('names files by experiment and method', () => {
    expect(tunerFile('/t', 'canny-emoji', 'controlnet')).toBe('/t/canny-emoji-controlnet.safetensors');
  });
});
