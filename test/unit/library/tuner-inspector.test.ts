import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inspectTunerFile } from '../../../main/library/tuner-inspector.ts';
import { BASE_HASH, DATASET_HASH, rewriteTunerFile, tempDir, writeTunerFile } from './tuner-fixture.ts';

let t: ReturnType<typeof tempDir>;
beforeEach(() => {
  t = tempDir();
});
afterEach(() => t.cleanup());

describe('inspectTunerFile', () => {
  it('reads an SC tuner: kind, base model, parameter count, config, dataset', async () => {
    const path = await writeTunerFile(join(t.dir, 'style.safetensors'), { channels: [4, 8] });
    const info = await inspectTunerFile(path);
    expect(info).toMatchObject({
      kind: 'sc',
      condition: null,
      baseModelId: 'tiny-sd',
      baseModelHash: BASE_HASH,
      parameterCount: 2 * (4 * 4 + 4) + 2 * (8 * 8 + 8),
      config: { downRatio: 1 },
      dataset: { folder: '/data/cats', imageCount: 12, hash: DATASET_HASH },
      training: { steps: 100 },
    });
  });

  it('reads a CSC tuner and its condition', async () => {
    const info = await inspectTunerFile(
      await writeTunerFile(join(t.dir, 'canny.safetensors'), { kind: 'csc' }),
    );
    expect(info.kind).toBe('csc');
    expect(info.condition).toBe('canny');
    expect(info.parameterCount).toBeGreaterThan(2 * (4 * 4 + 4) + 2 * (8 * 8 + 8));
  });

  it('names the file, the tensor and both shapes when a tensor has the wrong shape', async () => {
    const good = await writeTunerFile(join(t.dir, 'good.safetensors'), { channels: [4] });
    const bad = await rewriteTunerFile(good, join(t.dir, 'bad.safetensors'), (tensors) =>
      tensors.map((x) => (x.name.endsWith('ln2.weight') ? { ...x, shape: [2, 8], data: x.data } : x)),
    );
    await expect(inspectTunerFile(bad)).rejects.toThrow(
      /bad\.safetensors: tensor "lsc_identity\.0\.tuner_op\.ln2\.weight" has shape \[2, 8\], expected \[4, 4\]/,
    );
  });

  it('refuses missing and extra tensors, and bad metadata, naming the file', async () => {
    const good = await writeTunerFile(join(t.dir, 'good.safetensors'), { channels: [4] });
    const missing = await rewriteTunerFile(good, join(t.dir, 'a.safetensors'), (ts) =>
      ts.filter((x) => !x.name.endsWith('ln1.bias')),
    );
    await expect(inspectTunerFile(missing)).rejects.toThrow(
      /a\.safetensors: tensor "lsc_identity\.0\.tuner_op\.ln1\.bias" is missing \(expected \[4\]\)/,
    );
    const extra = await rewriteTunerFile(good, join(t.dir, 'b.safetensors'), (ts) => [
      ...ts,
      { name: 'lora_up.weight', dtype: 'F32', shape: [1], data: new Float32Array(1) },
    ]);
    await expect(inspectTunerFile(extra)).rejects.toThrow(
      /b\.safetensors: tensor "lora_up\.weight" is not part of this sc tuner/,
    );
    const wrongKind = await rewriteTunerFile(good, join(t.dir, 'c.safetensors'), (ts, m) => {
      m.kind = 'lora';
      return ts;
    });
    await expect(inspectTunerFile(wrongKind)).rejects.toThrow(/c\.safetensors: metadata "kind" is "lora"/);
    const noBase = await rewriteTunerFile(good, join(t.dir, 'd.safetensors'), (ts, m) => {
      delete m.base_model_hash;
      return ts;
    });
    await expect(inspectTunerFile(noBase)).rejects.toThrow(/d\.safetensors: metadata names no base model/);
    const foreign = await rewriteTunerFile(good, join(t.dir, 'e.safetensors'), (ts, m) => {
      for (const k of Object.keys(m)) delete m[k];
      return ts;
    });
    await expect(inspectTunerFile(foreign)).rejects.toThrow(
      /e\.safetensors: not a tuner file of this studio/,
    );
  });

  it('refuses a file that is not safetensors, naming it', async () => {
    const path = join(t.dir, 'notes.safetensors');
    writeFileSync(path, 'hello world, not a tensor file');
    await expect(inspectTunerFile(path)).rejects.toThrow(/notes\.safetensors/);
    await expect(inspectTunerFile(join(t.dir, 'absent.safetensors'))).rejects.toThrow(/absent\.safetensors/);
  });
});
