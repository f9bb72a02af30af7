import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inspectTunerFile, TUNER_METADATA_KEYS as K } from '../../../main/library/tuner-inspector.ts';
import { BASE_HASH, tempDir, tunerTensors, writeTunerFile } from './tuner-fixture.ts';

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
      dataset: { folder: '/data/cats', imageCount: 12, hash: 'c'.repeat(64) },
    });
  });

  it('reads a CSC tuner and its condition', async () => {
    const info = await inspectTunerFile(
      await writeTunerFile(join(t.dir, 'canny.safetensors'), { kind: 'csc' }),
    );
    expect(info.kind).toBe('csc');
    expect(info.condition).toBe('canny');
  });

  it('names the file, the tensor and both shapes when an adapter is malformed', async () => {
    const tensors = tunerTensors({ channels: [4] }).map((x) =>
      x.name.endsWith('ln2.weight') ? { ...x, shape: [4, 2], data: new Float32Array(8) } : x,
    );
    const path = await writeTunerFile(join(t.dir, 'bad.safetensors'), { tensors });
    await expect(inspectTunerFile(path)).rejects.toThrow(
      /bad\.safetensors: tensor "lsc_identity\.0\.tuner_op\.ln2\.weight" has shape \[4, 2\], expected \[4, 4\]/,
    );
  });

  it('refuses missing adapter tensors, foreign tensors, mixed kinds and wrong metadata', async () => {
    const missing = tunerTensors({ channels: [4] }).filter((x) => !x.name.endsWith('ln1.bias'));
    await expect(
      inspectTunerFile(await writeTunerFile(join(t.dir, 'a.safetensors'), { tensors: missing })),
    ).rejects.toThrow(/a\.safetensors: tensor "lsc_identity\.0\.tuner_op\.ln1\.bias" is missing/);
    const foreign = [
      ...tunerTensors(),
      { name: 'lora_up.weight', dtype: 'F32' as const, shape: [1], data: new Float32Array(1) },
    ];
    await expect(
      inspectTunerFile(await writeTunerFile(join(t.dir, 'b.safetensors'), { tensors: foreign })),
    ).rejects.toThrow(/b\.safetensors: tensor "lora_up\.weight" is not part of an SCEdit tuner/);
    const mixed = [...tunerTensors(), ...tunerTensors({ kind: 'csc' })];
    await expect(
      inspectTunerFile(await writeTunerFile(join(t.dir, 'c.safetensors'), { tensors: mixed })),
    ).rejects.toThrow(/c\.safetensors: tensor ".*" belongs to a (sc|csc) tuner but the file holds/);
    await expect(
      inspectTunerFile(await writeTunerFile(join(t.dir, 'd.safetensors'), { metadata: { [K.kind]: 'csc' } })),
    ).rejects.toThrow(/d\.safetensors: metadata says a csc tuner but the tensors are a sc tuner's/);
    await expect(
      inspectTunerFile(await writeTunerFile(join(t.dir, 'e.safetensors'), { omit: [K.baseModelId] })),
    ).rejects.toThrow(/e\.safetensors: metadata "scedit\.base_model_id" is missing/);
    await expect(
      inspectTunerFile(
        await writeTunerFile(join(t.dir, 'f.safetensors'), { metadata: { [K.formatVersion]: '7' } }),
      ),
    ).rejects.toThrow(/f\.safetensors: tuner format version 7/);
  });

  it('refuses a file that is not safetensors, naming it', async () => {
    const { writeFileSync } = await import('node:fs');
    const path = join(t.dir, 'notes.safetensors');
    writeFileSync(path, 'hello world, not a tensor file');
    await expect(inspectTunerFile(path)).rejects.toThrow(/notes\.safetensors/);
    await expect(inspectTunerFile(join(t.dir, 'absent.safetensors'))).rejects.toThrow(/absent\.safetensors/);
  });
});
