import { describe, expect, it } from 'vitest';
import { encodePng } from '../../../../main/engine/io/image.ts';
import { readPngText, writePngText } from '../../../../main/engine/io/png-text.ts';
import type { RecipeInput } from '../../../../main/engine/io/recipe.ts';
import {
  embedRecipe,
  formatParameters,
  parseParameters,
  parseRecipe,
  readRecipe,
} from '../../../../main/engine/io/recipe.ts';

const H = (c: string) => c.repeat(64);

const recipe: RecipeInput = {
  prompt: 'a watercolour fox, autumn forest\nsoft light',
  negativePrompt: 'blurry, lowres',
  seed: 965400086,
  sampler: 'Euler a',
  steps: 20,
  guidance: 7,
  width: 512,
  height: 768,
  baseModel: { name: 'tiny-sd', hash: H('4') },
  tuners: [
    { name: 'watercolour', hash: H('a'), kind: 'sc', weight: 0.8 },
    { name: 'canny: edges', hash: H('b'), kind: 'csc', weight: 1, condition: 'canny' },
  ],
  conditions: [{ kind: 'canny', weight: 1, tunerHash: H('b'), imageHash: H('c'), start: 0, end: 0.6 }],
  controlScale: 0.9,
};

async function png(): Promise<Uint8Array> {
  return encodePng({ width: 2, height: 2, data: new Uint8ClampedArray(16).fill(200) });
}

describe('parameters text', () => {
  it('writes the web-UI layout: prompt, Negative prompt:, one line of settings', () => {
    const text = formatParameters(parseRecipe(recipe));
    const lines = text.split('\n');
    expect(lines[0]).toBe('a watercolour fox, autumn forest');
    expect(lines[2]).toBe('Negative prompt: blurry, lowres');
    expect(lines[3]).toMatch(
      /^Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 965400086, Size: 512x768, Model hash: 4444444444, Model: tiny-sd, /,
    );
    // values holding , or : are JSON-quoted
    expect(lines[3]).toContain('SCEdit tuners: "watercolour: 0.8, canny: edges: 1"');
    expect(lines[3]).toContain('Control scale: 0.9');
  });

  it('omits the negative line when there is none, and parses back', () => {
    const text = formatParameters(parseRecipe({ ...recipe, negativePrompt: '', tuners: [] }));
    expect(text).not.toContain('Negative prompt');
    const parsed = parseParameters(text);
    expect(parsed.prompt).toBe(recipe.prompt);
    expect(parsed.negativePrompt).toBe('');
    expect(parsed.settings.Size).toBe('512x768');
  });

  it('parses text written by another web UI, with quoted extension groups', () => {
    const text =
      'masterpiece, 1girl\nNegative prompt: bad hands\nmore negative\n' +
      'Steps: 28, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 5.5, Seed: 42, Size: 832x1216, ' +
      'Model hash: 45dee52b, Model: sdxl_base, ControlNet 0: "Module: canny, Model: cn, Weight: 1", Version: v1.9.0';
    const parsed = parseParameters(text);
    expect(parsed.prompt).toBe('masterpiece, 1girl');
    expect(parsed.negativePrompt).toBe('bad hands\nmore negative');
    expect(parsed.settings['ControlNet 0']).toBe('Module: canny, Model: cn, Weight: 1');
    expect(parsed.settings['Schedule type']).toBe('Karras');
  });

  it('treats a last line with fewer than three pairs as prompt text', () => {
    const parsed = parseParameters('a photo\nstyle: noir');
    expect(parsed.prompt).toBe('a photo\nstyle: noir');
    expect(parsed.settings).toEqual({});
  });
});

describe('recipes in PNGs', () => {
  it('round-trips the full recipe through the scedit chunk', async () => {
    const out = embedRecipe(await png(), recipe);
    const keys = readPngText(out).map((c) => c.keyword);
    expect(keys).toEqual(['parameters', 'scedit']);
    const back = readRecipe(out);
    expect(back.source).toBe('scedit');
    expect(back.recipe).toEqual(parseRecipe(recipe));
    expect(back.partial).toMatchObject({ seed: 965400086, width: 512, height: 768, sampler: 'Euler a' });
    expect(back.warnings).toEqual([]);
  });

  it('keeps a masked layer’s region shape, and reads recipes written before regions existed', async () => {
    const region = { shape: 'ellipse' as const, x: 10.5, y: 4, width: 30, height: 22, inverted: true };
    const masked: RecipeInput = {
      ...recipe,
      conditions: [{ ...recipe.conditions![0]!, maskHash: H('d'), region }],
    };
    const back = readRecipe(embedRecipe(await png(), masked));
    expect(back.recipe!.conditions[0]!.region).toEqual(region);
    expect(back.recipe!.conditions[0]!.maskHash).toBe(H('d'));

    const older = embedRecipe(await png(), {
      ...recipe,
      conditions: [{ ...recipe.conditions![0]!, maskHash: H('d') }],
    });
    const old = readRecipe(older);
    expect(old.warnings).toEqual([]);
    expect(old.recipe!.conditions[0]!.maskHash).toBe(H('d'));
    expect(old.recipe!.conditions[0]!.region).toBeUndefined();

    expect(() =>
      parseRecipe({
        ...masked,
        conditions: [{ ...masked.conditions![0]!, region: { ...region, width: -1 } }],
      }),
    ).toThrow(/conditions\.0\.region\.width/);
  });

  it('reads another app’s parameters', async () => {
    const out = writePngText(await png(), [
      {
        keyword: 'parameters',
        text: 'a dog\nSteps: 30, Sampler: DDIM, CFG scale: 6, Seed: 7, Size: 640x480',
      },
    ]);
    const back = readRecipe(out);
    expect(back.source).toBe('parameters');
    expect(back.recipe).toBeNull();
    expect(back.partial).toEqual({
      prompt: 'a dog',
      negativePrompt: '',
      seed: 7,
      sampler: 'DDIM',
      steps: 30,
      guidance: 6,
      width: 640,
      height: 480,
    });
  });

  it('reads a ComfyUI prompt graph', async () => {
    const graph = {
      '3': {
        class_type: 'KSampler',
        inputs: {
          seed: 123,
          steps: 25,
          cfg: 8,
          sampler_name: 'euler',
          scheduler: 'normal',
          model: ['4', 0],
          positive: ['6', 0],
          negative: ['7', 0],
          latent_image: ['5', 0],
        },
      },
      '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'v1-5.safetensors' } },
      '5': { class_type: 'EmptyLatentImage', inputs: { width: 512, height: 512, batch_size: 1 } },
      '6': { class_type: 'CLIPTextEncode', inputs: { text: 'a castle', clip: ['4', 1] } },
      '7': { class_type: 'CLIPTextEncode', inputs: { text: 'ugly', clip: ['4', 1] } },
    };
    const out = writePngText(await png(), [
      { keyword: 'prompt', text: JSON.stringify(graph) },
      { keyword: 'workflow', text: '{}' },
    ]);
    const back = readRecipe(out);
    expect(back.source).toBe('comfyui');
    expect(back.partial).toEqual({
      prompt: 'a castle',
      negativePrompt: 'ugly',
      seed: 123,
      sampler: 'euler',
      scheduler: 'normal',
      steps: 25,
      guidance: 8,
      width: 512,
      height: 512,
      modelName: 'v1-5.safetensors',
    });
  });

  it('handles a PNG with no recipe, and a broken scedit chunk, without throwing', async () => {
    expect(readRecipe(await png())).toEqual({ source: 'none', recipe: null, partial: {}, warnings: [] });
    const broken = writePngText(await png(), [
      { keyword: 'scedit', text: '{"format":"scedit-recipe","version":1,"seed":-4}' },
      { keyword: 'prompt', text: 'not json' },
    ]);
    const back = readRecipe(broken, 'odd.png');
    expect(back.source).toBe('none');
    expect(back.warnings[0]).toMatch(/odd\.png: scedit chunk: prompt/);
    expect(back.warnings[1]).toMatch(/ComfyUI/);
  });

  it('refuses a recipe from a newer studio, keeping the parameters reading', async () => {
    const out = writePngText(embedRecipe(await png(), recipe), [
      { keyword: 'scedit', text: JSON.stringify({ format: 'scedit-recipe', version: 99 }) },
    ]);
    const back = readRecipe(out);
    expect(back.source).toBe('parameters');
    expect(back.warnings[0]).toMatch(/version 99 is newer/);
  });

  it('refuses to embed an invalid recipe, naming the field', async () => {
    expect(() => embedRecipe(new Uint8Array(), recipe)).toThrow(/not a PNG/);
    const p = await png();
    expect(() => embedRecipe(p, { ...recipe, steps: 0 })).toThrow(/steps/);
    expect(() => embedRecipe(p, { ...recipe, baseModel: { name: 'x', hash: 'abc' } })).toThrow(
      /baseModel\.hash/,
    );
  });
});
