import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../main/engine/backend.ts';
import {
  loadModel,
  readManifest,
  saveModel,
} from '../../../../main/engine/pipeline/latent-diffusion-model.ts';
import { tinyModel } from './tiny-model.ts';

beforeAll(async () => {
  await initBackend();
});

describe('model manifest: example prompts', () => {
  it('reads the prompts a model draws well without changing the model hash that tuners are bound to', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scedit-manifest-'));
    const model = tinyModel(4);
    await saveModel(dir, model);
    model.dispose();
    const before = await loadModel(dir);
    expect(before.manifest.examplePrompts).toBeUndefined();
    const path = join(dir, 'model.json');
    const manifest = JSON.parse(readFileSync(path, 'utf8'));
    const examples = [
      'a red figure waving, green ground, noon sky',
      'red apple, fruit, on a blue background',
    ];
    writeFileSync(path, JSON.stringify({ ...manifest, examplePrompts: examples }));
    const after = await loadModel(dir);
    expect(after.manifest.examplePrompts).toEqual(examples);
    expect(after.hash).toBe(before.hash);
    before.dispose();
    after.dispose();

    writeFileSync(path, JSON.stringify({ ...manifest, examplePrompts: ['fine', 42] }));
    await expect(readManifest(dir)).rejects.toThrow(/model\.json: examplePrompts\.1: .*string/i);
    writeFileSync(path, JSON.stringify({ ...manifest, examplePrompts: [''] }));
    await expect(readManifest(dir)).rejects.toThrow(/model\.json: examplePrompts\.0/);
  });
});
