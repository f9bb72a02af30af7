import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../main/engine/backend.ts';
import { openSafetensors, writeSafetensors } from '../../../../main/engine/io/safetensors.ts';
import { CscTuner } from '../../../../main/engine/tuners/csc-tuner.ts';
import { ScTuner } from '../../../../main/engine/tuners/sc-tuner.ts';
import {
  inspectTuner,
  loadTuner,
  saveTuner,
  TUNER_FORMAT,
} from '../../../../main/engine/tuners/tuner-file.ts';
import { cscConfig, randomize, tinyUNet } from './fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'scedit-tuner-file-'));
const base = { id: 'tiny-test', hash: 'abc123' };

beforeAll(async () => {
  await initBackend();
});

async function allValues(store: { list(): { name: string; value: tf.Variable }[] }) {
  const out: Record<string, number[]> = {};
  for (const p of store.list()) out[p.name] = Array.from(await p.value.data());
  return out;
}

type Edit = (
  name: string,
  shape: number[],
  data: Float32Array,
) => { shape: number[]; data: Float32Array } | null;

/** Copies a tensor file, editing or dropping tensors, optionally adding one and replacing the metadata. */
async function rewrite(
  src: string,
  dst: string,
  edit: Edit,
  options: { metadata?: Record<string, string>; add?: { name: string; shape: number[] } } = {},
) {
  const file = await openSafetensors(src);
  const tensors = [];
  if (options.add) {
    const size = options.add.shape.reduce((a, b) => a * b, 1);
    tensors.push({ ...options.add, dtype: 'F32' as const, data: new Float32Array(size) });
  }
  for (const name of file.keys()) {
    const data = await file.read(name);
    const changed = edit(name, file.info(name).shape, data);
    if (changed) tensors.push({ name, dtype: 'F32' as const, shape: changed.shape, data: changed.data });
  }
  const meta = options.metadata ?? { ...file.metadata };
  await file.close();
  await writeSafetensors(dst, tensors, meta);
}

async function metadataOf(path: string): Promise<Record<string, string>> {
  const file = await openSafetensors(path);
  const metadata = { ...file.metadata };
  await file.close();
  return metadata;
}

describe('tuner files', () => {
  it('round-trips an SC-Tuner and a CSC-Tuner exactly, with SCEPTER names and metadata', async () => {
    const unet = tinyUNet();
    const layout = { skips: unet.skipInfo };
    const sc = new ScTuner({ layout, downRatio: 1 }, { seed: 1 });
    const csc = new CscTuner({ ...cscConfig(unet, 'depth'), downsampleHintKernel: 1 }, { seed: 2 });
    randomize(sc.params, 3);
    randomize(csc.params, 4);
    await saveTuner(join(dir, 'style.safetensors'), sc, {
      baseModel: base,
      name: 'my style',
      training: { steps: 10 },
    });
    await saveTuner(join(dir, 'depth.safetensors'), csc, { baseModel: base });

    const file = await openSafetensors(join(dir, 'depth.safetensors'));
    expect(file.keys()).toContain('control_blocks.0.pre_hint_blocks.0.weight');
    expect(file.keys()).toContain('control_blocks.0.dense_hint_blocks.0.1.weight');
    expect(file.keys()).toContain('control_blocks.0.lsc_tuner_blocks.0.tuner_op.ln1.weight');
    expect(file.metadata.format).toBe(TUNER_FORMAT);
    await file.close();

    const info = await inspectTuner(join(dir, 'style.safetensors'));
    expect(info).toMatchObject({
      kind: 'sc',
      condition: null,
      baseModel: base,
      name: 'my style',
      training: { steps: 10 },
    });
    expect(info.parameterCount).toBe(sc.params.count());

    const target = { baseModel: base, layout };
    const loadedSc = await loadTuner(join(dir, 'style.safetensors'), target);
    const loadedCsc = await loadTuner(join(dir, 'depth.safetensors'), target);
    expect(loadedCsc.info.condition).toBe('depth');
    expect(loadedCsc.info.config).toMatchObject({ denseHintKernel: 3, downsampleHintKernel: 1 });
    expect(await allValues(loadedSc.tuner.params)).toEqual(await allValues(sc.params));
    expect(await allValues(loadedCsc.tuner.params)).toEqual(await allValues(csc.params));
    for (const t of [sc, csc, loadedSc.tuner, loadedCsc.tuner]) t.dispose();
    unet.params.dispose();
  });

  it('round-trips a CSC-Tuner with a kernel per dense hint, and refuses a kernel list that does not fit the skips', async () => {
    const unet = tinyUNet();
    const layout = { skips: unet.skipInfo };
    const kernels = layout.skips.map((_, i) => (i === layout.skips.length - 1 ? 1 : 3) as 1 | 3);
    const csc = new CscTuner(
      { ...cscConfig(unet, 'pose'), denseHintKernel: 1, hintKernels: kernels },
      { seed: 5 },
    );
    expect(csc.denseHint.map((conv) => conv.config.kernelSize)).toEqual(kernels);
    randomize(csc.params, 6);
    const path = join(dir, 'pose-kernels.safetensors');
    await saveTuner(path, csc, { baseModel: base });
    const loaded = await loadTuner(path, { baseModel: base, layout });
    expect((loaded.tuner as CscTuner).config.hintKernels).toEqual(kernels);
    expect(await allValues(loaded.tuner.params)).toEqual(await allValues(csc.params));

    const short = join(dir, 'pose-short-kernels.safetensors');
    const file = await openSafetensors(path);
    const config = JSON.parse(file.metadata.config!);
    await file.close();
    await rewrite(path, short, (_n, shape, data) => ({ shape, data }), {
      metadata: { ...(await metadataOf(path)), config: JSON.stringify({ ...config, hintKernels: [3, 3] }) },
    });
    await expect(loadTuner(short, { baseModel: base, layout })).rejects.toThrow(
      /pose-short-kernels\.safetensors: metadata "config" is invalid at hintKernels: needs one kernel per skip/,
    );
    expect(() => new CscTuner({ ...cscConfig(unet, 'pose'), hintKernels: [3] }, { allocate: false })).toThrow(
      /hintKernels has 1 entries for \d+ skips/,
    );
    for (const t of [csc, loaded.tuner]) t.dispose();
    unet.params.dispose();
  });

  it('refuses a tuner for another base model, naming both models', async () => {
    const unet = tinyUNet();
    const sc = new ScTuner({ layout: { skips: unet.skipInfo }, downRatio: 1 });
    const path = join(dir, 'other-base.safetensors');
    await saveTuner(path, sc, { baseModel: { id: 'sd15', hash: 'ffff' } });
    await expect(loadTuner(path, { baseModel: base, layout: { skips: unet.skipInfo } })).rejects.toThrow(
      /other-base\.safetensors: this tuner was trained for base model "sd15" \(hash ffff\); the loaded model is "tiny-test" \(hash abc123\)/,
    );
    sc.dispose();
    unet.params.dispose();
  });

  it('refuses missing, extra and mis-shaped tensors with the file, the tensor and both shapes, allocating nothing', async () => {
    const unet = tinyUNet();
    const layout = { skips: unet.skipInfo };
    const sc = new ScTuner({ layout, downRatio: 1 });
    const good = join(dir, 'good.safetensors');
    await saveTuner(good, sc, { baseModel: base });
    const target = { baseModel: base, layout };

    const missing = join(dir, 'missing.safetensors');
    await rewrite(good, missing, (name, shape, data) =>
      name === 'lsc_identity.2.tuner_op.ln2.bias' ? null : { shape, data },
    );
    const extra = join(dir, 'extra.safetensors');
    await rewrite(good, extra, (_n, shape, data) => ({ shape, data }), {
      add: { name: 'lsc_identity.99.tuner_op.ln1.weight', shape: [1] },
    });
    const misshaped = join(dir, 'misshaped.safetensors');
    await rewrite(good, misshaped, (name, shape, data) =>
      name === 'lsc_identity.0.tuner_op.ln1.weight'
        ? { shape: [shape[0]!, shape[1]! / 2, 2], data }
        : { shape, data },
    );
    const notTuner = join(dir, 'not-a-tuner.safetensors');
    await rewrite(good, notTuner, (_n, shape, data) => ({ shape, data }), { metadata: {} });
    const garbage = join(dir, 'garbage.safetensors');
    writeFileSync(garbage, 'this is not a safetensors file at all');

    const before = tf.memory().numTensors;
    await expect(loadTuner(missing, target)).rejects.toThrow(
      /missing\.safetensors: missing 1 tensor\(s\), e\.g\. "lsc_identity\.2\.tuner_op\.ln2\.bias"/,
    );
    await expect(loadTuner(extra, target)).rejects.toThrow(
      /extra\.safetensors: unexpected tensor\(s\) "lsc_identity\.99\.tuner_op\.ln1\.weight"/,
    );
    await expect(loadTuner(misshaped, target)).rejects.toThrow(
      /misshaped\.safetensors: tensor "lsc_identity\.0\.tuner_op\.ln1\.weight" has shape \[32, 16, 2\], expected \[32, 32\]/,
    );
    await expect(loadTuner(notTuner, target)).rejects.toThrow(
      /not-a-tuner\.safetensors: not a tuner file of this studio/,
    );
    await expect(loadTuner(garbage, target)).rejects.toThrow(/garbage\.safetensors/);
    expect(tf.memory().numTensors).toBe(before);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    sc.dispose();
    unet.params.dispose();
  });
});
