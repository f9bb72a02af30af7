import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { buildGenerateRequest } from '../../../renderer/src/api/generate-request.ts';
import { DEFAULT_GENERATION_SETTINGS } from '../../../renderer/src/api/generation-settings.ts';
import { applyImageRecipe, restoredLayer } from '../../../renderer/src/api/restore-recipe.ts';
import { mismatchReason, tunerFitsModel } from '../../../renderer/src/api/tuner-compat.ts';
import type { Bitmap } from '../../../renderer/src/raster/bitmap.ts';
import { runAction } from '../../../renderer/src/scene/action.ts';
import { addEdgeStroke } from '../../../renderer/src/scene/draw-actions.ts';
import { addLayer, setLayerMask, updateLayerSettings } from '../../../renderer/src/scene/layer-actions.ts';
import { addPerson } from '../../../renderer/src/scene/pose-actions.ts';
import { createStudio } from '../../../renderer/src/ui/studio.ts';
import { GenerateRequest, StoredConditionLayer } from '../../../shared/api/generation-schemas.ts';

function encodePng(b: Bitmap): string {
  const png = new PNG({ width: b.width, height: b.height });
  png.data = Buffer.from(b.data);
  return PNG.sync.write(png).toString('base64');
}

function decodePng(base64: string): PNG {
  return PNG.sync.read(Buffer.from(base64, 'base64'));
}

describe('buildGenerateRequest', () => {
  it('sends each enabled layer with a tuner as a condition PNG and mask, valid under the contract', () => {
    const studio = createStudio();
    const s = studio.scene;
    runAction(s, addLayer, { kind: 'edge', id: 'edges' });
    runAction(s, addEdgeStroke, {
      layerId: 'edges',
      stroke: { id: 'a', tool: 'brush', points: [0, 100, 511, 100], width: 8 },
    });
    runAction(s, updateLayerSettings, {
      id: 'edges',
      patch: { tunerId: 'csc-canny', weight: 0.7, stepRange: [0.1, 0.9] },
    });
    runAction(s, setLayerMask, {
      id: 'edges',
      mask: { shape: 'rect', x: 0, y: 0, width: 256, height: 512, inverted: false },
    });
    runAction(s, addLayer, { kind: 'pose', id: 'pose' });
    runAction(s, addPerson, { layerId: 'pose' });
    runAction(s, addLayer, { kind: 'depth', id: 'off' });
    runAction(s, updateLayerSettings, { id: 'off', patch: { tunerId: 'csc-depth', enabled: false } });

    const settings = {
      ...DEFAULT_GENERATION_SETTINGS,
      prompt: 'a cat',
      styleTuners: [{ tunerId: 'sc-1', scale: 0.5 }],
    };
    const { request, skipped } = buildGenerateRequest(s.state, settings, 42, encodePng);
    expect(skipped).toEqual(['Layer "Pose" has no condition tuner chosen in the mixer, so it was not used']);
    expect(request.layers).toHaveLength(1);
    const layer = request.layers[0]!;
    expect(layer).toMatchObject({
      id: 'edges',
      kind: 'canny',
      tunerId: 'csc-canny',
      weight: 0.7,
      start: 0.1,
      end: 0.9,
    });
    const map = decodePng(layer.image);
    expect([map.width, map.height]).toEqual([512, 512]);
    expect(map.data[(100 * 512 + 300) * 4]).toBe(255);
    expect(map.data[(200 * 512 + 300) * 4]).toBe(0);
    expect(layer.region).toEqual({ shape: 'rect', x: 0, y: 0, width: 256, height: 512, inverted: false });
    const mask = decodePng(layer.mask!);
    expect(mask.data[(10 * 512 + 10) * 4]).toBe(255);
    expect(mask.data[(10 * 512 + 400) * 4]).toBe(0);
    expect(request).toMatchObject({
      prompt: 'a cat',
      seed: 42,
      width: 512,
      height: 512,
      styleTuners: [{ tunerId: 'sc-1', scale: 0.5 }],
    });
    expect(() => GenerateRequest.parse(request)).not.toThrow();
  });

  it('refuses a canvas size the engine cannot take', () => {
    const studio = createStudio();
    const state = { ...studio.scene.state, width: 500 };
    expect(() => buildGenerateRequest(state, DEFAULT_GENERATION_SETTINGS, null, encodePng)).toThrow(
      /multiple of 8.*500x512/,
    );
  });
});

describe('tuner and base model', () => {
  const model = {
    id: 'embedded-tiny',
    name: 'Tiny',
    source: 'embedded' as const,
    resolution: 64,
    hash: 'abc',
    isDefault: true,
    examplePrompts: [],
  };
  it('matches by id, name or hash and explains a mismatch', () => {
    expect(tunerFitsModel({ baseModel: 'embedded-tiny' }, model)).toBe(true);
    expect(tunerFitsModel({ baseModel: 'abc' }, model)).toBe(true);
    expect(tunerFitsModel({ baseModel: 'sd15' }, model)).toBe(false);
    expect(mismatchReason({ name: 'Ink', baseModel: 'sd15' }, model)).toMatch(
      /"Ink" was trained on base model "sd15".*"Tiny"/,
    );
    expect(mismatchReason({ name: 'Ink', baseModel: 'Tiny' }, model)).toBeNull();
  });
});

describe('applyImageRecipe', () => {
  it('takes the fields a PNG carries, matches samplers by label and reports unknown tuners', () => {
    const studio = createStudio();
    const warnings = applyImageRecipe(studio, {
      source: 'parameters',
      prompt: 'a red fox',
      negativePrompt: 'blurry',
      seed: 123,
      steps: 30,
      guidance: 5,
      sampler: 'DPM++ 2M',
      width: 640,
      height: 448,
      tuners: [
        { name: 'Ink', hash: 'aaaaaaaaaaaa', kind: 'sc', weight: 0.8, tunerId: 'ink-id' },
        { name: 'Gone', hash: 'bbbbbbbbbbbb', kind: 'sc', weight: 1, tunerId: null },
      ],
      parameters: null,
      warnings: [],
      layers: [],
    });
    expect(studio.generation.value).toMatchObject({
      prompt: 'a red fox',
      negativePrompt: 'blurry',
      seed: 123,
      seedLocked: true,
      steps: 30,
      guidance: 5,
      sampler: 'dpmpp-2m',
      styleTuners: [{ tunerId: 'ink-id', scale: 0.8 }],
    });
    expect([studio.scene.state.width, studio.scene.state.height]).toEqual([640, 448]);
    expect(warnings).toEqual(['Tuner "Gone" (bbbbbbbbbb) is not in the library']);
    studio.scene.undo();
    expect(studio.scene.state.width).toBe(512);
  });
});

describe('restoring a masked layer', () => {
  const fileRef = (name: string) => ({ storePath: `ab/${name}`, mime: 'image/png' });
  const image = { dataUrl: 'data:image/png;base64,iVBORw0K', width: 64, height: 64 };

  it('gives back the region the layer was generated with, as an editable shape', () => {
    const studio = createStudio();
    const s = studio.scene;
    runAction(s, addLayer, { kind: 'scribble', id: 'sc' });
    const region = { shape: 'ellipse' as const, x: 8.5, y: 4, width: 40, height: 24, inverted: true };
    runAction(s, updateLayerSettings, {
      id: 'sc',
      patch: { tunerId: 't1', weight: 0.6, stepRange: [0, 0.5] },
    });
    runAction(s, setLayerMask, { id: 'sc', mask: region });
    const sent = GenerateRequest.parse(
      buildGenerateRequest({ ...s.state, width: 64, height: 64 }, DEFAULT_GENERATION_SETTINGS, 1, encodePng)
        .request,
    ).layers[0]!;
    // What the library keeps: the same layer with its images as files.
    const stored = StoredConditionLayer.parse({ ...sent, image: fileRef('map'), mask: fileRef('mask') });
    const { layer, warning } = restoredLayer(stored, 0, image);
    expect(warning).toBeNull();
    expect(layer).toMatchObject({ kind: 'scribble', tunerId: 't1', weight: 0.6, stepRange: [0, 0.5], image });
    expect(layer.mask).toEqual(region);
  });

  it('says so when an older recipe has only the mask picture', () => {
    const stored = StoredConditionLayer.parse({
      id: 'layer-1',
      kind: 'canny',
      tunerId: 't1',
      image: fileRef('map'),
      mask: fileRef('mask'),
    });
    const { layer, warning } = restoredLayer(stored, 1, image);
    expect(layer.mask).toBeNull();
    expect(warning).toMatch(/region mask of layer 2 was not restored/);
  });

  it('puts a dropped picture’s layers on the canvas in one undo step', () => {
    const studio = createStudio();
    const stored = StoredConditionLayer.parse({
      id: 'layer-1',
      kind: 'canny',
      tunerId: 't1',
      image: fileRef('map'),
      mask: fileRef('mask'),
      region: { shape: 'rect', x: 1, y: 2, width: 3, height: 4 },
    });
    const { layer } = restoredLayer(stored, 0, image);
    const base = {
      source: 'scedit' as const,
      prompt: 'p',
      negativePrompt: '',
      seed: 1,
      steps: 4,
      guidance: 7,
      sampler: 'euler-a',
      width: 64,
      height: 64,
      tuners: [],
      parameters: null,
      warnings: [],
      layers: [stored],
    };
    applyImageRecipe(studio, base, [layer]);
    expect(studio.scene.state).toMatchObject({ width: 64, height: 64, activeLayerId: layer.id });
    expect(studio.scene.state.layers.map((l) => l.mask)).toEqual([
      { shape: 'rect', x: 1, y: 2, width: 3, height: 4, inverted: false },
    ]);
    studio.scene.undo();
    expect(studio.scene.state.layers).toEqual([]);
  });
});
