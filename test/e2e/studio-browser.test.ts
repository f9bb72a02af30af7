import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, writeTunerFile } from '../unit/library/tuner-fixture.ts';
import {
  buildWebUi,
  chromiumAvailable,
  collectPageErrors,
  dragThrough,
  launchChromium,
  type ServedStudio,
  sceneToScreen,
  screenshot,
  serveStudio,
} from './studio-harness.ts';

interface SceneJson {
  width: number;
  height: number;
  activeLayerId: string | null;
  layers: {
    id: string;
    kind: string;
    strokes?: { tool: string; points: number[]; width: number }[];
    people?: { id: string; keypoints: ([number, number] | null)[] }[];
  }[];
}

// Browser-side code goes in as text: this file is type-checked as Node code, without the DOM.
const scene = (page: Page) => page.evaluate<SceneJson>('window.sceditStudio.scene()');

/** Reads back one pixel of what the canvas shows, at a scene point. */
async function shownPixel(page: Page, x: number, y: number): Promise<number[]> {
  const p = await sceneToScreen(page, x, y);
  return page.evaluate<number[]>(`(() => {
    const canvas = document.querySelector('[data-testid="workspace"] canvas');
    const r = canvas.getBoundingClientRect();
    const ratio = canvas.width / r.width;
    const x = Math.floor((${p.x} - r.left) * ratio);
    const y = Math.floor((${p.y} - r.top) * ratio);
    return [...canvas.getContext('2d').getImageData(x, y, 1, 1).data];
  })()`);
}

// One server and one browser for the whole file (building the UI and starting the engine are
// the slow parts); each flow gets its own page.
let studio: ServedStudio;
let browser: Browser;

async function openStudioPage(): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 }, acceptDownloads: true });
  const errors = collectPageErrors(page);
  await page.goto(studio.url);
  await page.getByRole('heading', { name: 'Layers' }).waitFor();
  return { page, errors };
}

describe.skipIf(!chromiumAvailable())('the studio in Chromium', () => {
  beforeAll(async () => {
    buildWebUi();
    [studio, browser] = await Promise.all([serveStudio(), launchChromium()]);
  });

  afterAll(async () => {
    await browser?.close();
    await studio?.stop();
  });

  describe('canvas', canvasFlows);
  describe('library', libraryFlows);
  describe('generation and training', generationFlows);
});

function canvasFlows() {
  let page: Page;
  let errors: string[];
  beforeAll(async () => {
    ({ page, errors } = await openStudioPage());
  });

  it('opens with the engine connected and its backend in the status bar', async () => {
    await page.getByText(/Backend: /).waitFor({ timeout: 20_000 });
    await screenshot(page, 'e2e-01-start');
    expect(await page.locator('footer').textContent()).toMatch(/Engine (ready|starting)/);
  });

  it('draws brush strokes and a straight line on an edge layer, with undo and redo', async () => {
    await page.getByRole('button', { name: '+ Edges' }).click();
    await dragThrough(page, [
      [100, 120],
      [200, 160],
      [300, 120],
      [400, 160],
    ]);
    await dragThrough(page, [
      [100, 300],
      [150, 330],
      [220, 300],
    ]);
    await page.getByRole('button', { name: 'Straight line' }).click();
    await dragThrough(page, [
      [80, 420],
      [250, 440],
      [430, 420],
    ]);
    let s = await scene(page);
    const edges = s.layers.find((l) => l.kind === 'edge')!;
    expect(edges.strokes).toHaveLength(3);
    // The line tool keeps only its two end points.
    expect(edges.strokes![2]!.points).toHaveLength(4);
    expect(edges.strokes![2]!.points[0]).toBeCloseTo(80, 0);
    expect(edges.strokes![2]!.points[2]).toBeCloseTo(430, 0);
    // What the canvas shows is the condition map: white on the stroke, dark beside it.
    expect((await shownPixel(page, 200, 160))[0]).toBeGreaterThan(150);
    expect((await shownPixel(page, 200, 230))[0]).toBeLessThan(30);
    await screenshot(page, 'e2e-02-edge-strokes');

    await page.keyboard.press('Control+z');
    s = await scene(page);
    expect(s.layers.find((l) => l.kind === 'edge')!.strokes).toHaveLength(2);
    await page.keyboard.press('Control+z');
    await page.keyboard.press('Control+Shift+z');
    s = await scene(page);
    expect(s.layers.find((l) => l.kind === 'edge')!.strokes).toHaveLength(2);
    await page.getByRole('button', { name: 'Redo' }).click();
    s = await scene(page);
    expect(s.layers.find((l) => l.kind === 'edge')!.strokes).toHaveLength(3);

    await page.getByRole('button', { name: 'Eraser' }).click();
    await dragThrough(page, [
      [190, 100],
      [210, 190],
    ]);
    s = await scene(page);
    expect(s.layers.find((l) => l.kind === 'edge')!.strokes!.at(-1)!.tool).toBe('eraser');
    expect((await shownPixel(page, 200, 150))[0]).toBeLessThan(30);
  });

  it('drags a pose joint, saves the pose as OpenPose JSON and loads it back', async () => {
    await page.getByRole('button', { name: '+ Pose' }).click();
    await page.getByRole('button', { name: 'Add person' }).click();
    let s = await scene(page);
    const pose = s.layers.find((l) => l.kind === 'pose')!;
    const wrist = pose.people![0]!.keypoints[4]!;
    const from = await sceneToScreen(page, wrist[0], wrist[1]);
    const to = await sceneToScreen(page, 90, 80);
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move(to.x, to.y, { steps: 8 });
    await page.mouse.up();
    s = await scene(page);
    const moved = s.layers.find((l) => l.kind === 'pose')!.people![0]!.keypoints;
    expect(moved[4]![0]).toBeCloseTo(90, -1);
    expect(moved[4]![1]).toBeCloseTo(80, -1);
    expect(moved[3]).toEqual(pose.people![0]!.keypoints[3]);
    await screenshot(page, 'e2e-03-pose-joint-dragged');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Save pose JSON' }).click(),
    ]);
    const savedPath = await download.path();
    const json = JSON.parse(readFileSync(savedPath, 'utf8'));
    expect(json.canvas_width).toBe(s.width);
    expect(json.people).toHaveLength(1);
    const kp = json.people[0].pose_keypoints_2d as number[];
    expect(kp).toHaveLength(54);
    expect(kp[12]).toBeCloseTo(moved[4]![0], 3);
    expect(kp[13]).toBeCloseTo(moved[4]![1], 3);

    await page.getByRole('button', { name: 'Delete person' }).click();
    expect((await scene(page)).layers.find((l) => l.kind === 'pose')!.people).toHaveLength(0);
    await page.getByTestId('pose-json-input').setInputFiles(savedPath);
    await page.getByText(/Loaded 1 person/).waitFor();
    const loaded = (await scene(page)).layers.find((l) => l.kind === 'pose')!.people![0]!.keypoints;
    expect(loaded[4]![0]).toBeCloseTo(moved[4]![0], 3);
    expect(loaded[4]![1]).toBeCloseTo(moved[4]![1], 3);

    await page.getByRole('button', { name: 'Mirror' }).click();
    const mirrored = (await scene(page)).layers.find((l) => l.kind === 'pose')!.people![0]!.keypoints;
    // The raised right wrist becomes the left wrist, on the other side.
    expect(mirrored[7]![1]).toBeCloseTo(loaded[4]![1], 3);
    expect(mirrored[7]![0]).toBeGreaterThan(loaded[4]![0]);
    await screenshot(page, 'e2e-04-pose-loaded-mirrored');
    await page.keyboard.press('Control+z');
  });

  it('paints depth with a gradient and a soft brush', async () => {
    await page.getByRole('button', { name: '+ Depth' }).click();
    await page.getByRole('button', { name: 'Gradient' }).click();
    await dragThrough(page, [
      [256, 20],
      [256, 490],
    ]);
    // Shown at the layer's 0.8 opacity over black.
    expect((await shownPixel(page, 256, 30))[0]).toBeGreaterThan(170);
    expect((await shownPixel(page, 256, 480))[0]).toBeLessThan(60);
    await page.getByRole('button', { name: 'Depth brush' }).click();
    await dragThrough(page, [
      [150, 400],
      [350, 400],
    ]);
    const s = await scene(page);
    const depth = s.layers.find((l) => l.kind === 'depth') as unknown as { ops: { type: string }[] };
    expect(depth.ops.map((o) => o.type)).toEqual(['gradient', 'stroke']);
    await screenshot(page, 'e2e-05-depth');
  });

  it('loads a picture onto a scribble layer as it is, and limits it to a region', async () => {
    const png = new PNG({ width: 128, height: 128 });
    for (let y = 0; y < 128; y++) {
      for (let x = 0; x < 128; x++) {
        const i = (y * 128 + x) * 4;
        const v = x >= 32 && x < 96 && y >= 32 && y < 96 ? 255 : 0;
        png.data[i] = v;
        png.data[i + 1] = v;
        png.data[i + 2] = v;
        png.data[i + 3] = 255;
      }
    }
    const file = join(mkdtempSync(join(tmpdir(), 'scedit-e2e-pic-')), 'square.png');
    writeFileSync(file, PNG.sync.write(png));
    // Hide the other layers so only the new one shows.
    for (const name of ['Edges', 'Pose', 'Depth']) await page.getByLabel(`Enable ${name}`).uncheck();
    expect((await shownPixel(page, 256, 256))[0]).toBeLessThan(30);
    await page.getByRole('button', { name: '+ Scribble' }).click();
    await page.getByLabel('Use the picture as the map').check();
    await page.getByLabel('Picture for Scribble').setInputFiles(file);
    // The 128-px picture fills the 512-px canvas: its square covers 128..384.
    await expect.poll(async () => (await shownPixel(page, 256, 256))[0]).toBeGreaterThan(150);
    expect((await shownPixel(page, 60, 60))[0]).toBeLessThan(30);

    await page.getByRole('button', { name: 'Region mask' }).click();
    await dragThrough(page, [
      [100, 100],
      [300, 300],
    ]);
    const layer = (await scene(page)).layers.at(-1) as unknown as {
      kind: string;
      mask: Record<string, number>;
    };
    expect(layer.kind).toBe('scribble');
    expect(layer.mask.x).toBeCloseTo(100, -1);
    expect(layer.mask.width).toBeCloseTo(200, -1);
    await screenshot(page, 'e2e-06-picture-and-mask');
  });

  it('loads a photo onto an edge layer through the canny annotator, then draws on it', async () => {
    const png = new PNG({ width: 256, height: 256 });
    for (let y = 0; y < 256; y++) {
      for (let x = 0; x < 256; x++) {
        const i = (y * 256 + x) * 4;
        const inside = x >= 64 && x < 192 && y >= 64 && y < 192;
        png.data[i] = inside ? 230 : 20;
        png.data[i + 1] = inside ? 200 : 30;
        png.data[i + 2] = inside ? 40 : 60;
        png.data[i + 3] = 255;
      }
    }
    const file = join(mkdtempSync(join(tmpdir(), 'scedit-e2e-photo-')), 'photo.png');
    writeFileSync(file, PNG.sync.write(png));
    await page.getByLabel('Enable Scribble').uncheck();
    await page.getByRole('button', { name: '+ Edges' }).click();
    await page.getByLabel('Picture for Edges').setInputFiles(file);
    await expect
      .poll(
        async () =>
          (
            (await scene(page)).layers.at(-1) as unknown as {
              image: { source?: { annotator: string } } | null;
            }
          ).image?.source?.annotator,
        { timeout: 30_000 },
      )
      .toBe('canny');
    // Edges along the square's border (128..384 on the 512 canvas), nothing in its middle.
    // One-pixel edges, smoothed a little by the on-screen scaling.
    let edge = 0;
    for (let d = -3; d <= 3; d++) edge = Math.max(edge, (await shownPixel(page, 128 + d, 256))[0]!);
    expect(edge).toBeGreaterThan(90);
    expect((await shownPixel(page, 256, 256))[0]).toBeLessThan(30);
    await page.getByRole('button', { name: 'Brush' }).click();
    await dragThrough(page, [
      [200, 250],
      [300, 260],
    ]);
    expect((await shownPixel(page, 250, 255))[0]).toBeGreaterThan(150);
    await screenshot(page, 'e2e-07-canny-annotated');
  });

  it('zooms with the wheel around the pointer', async () => {
    const ws = page.getByTestId('workspace');
    const before = Number(await ws.getAttribute('data-zoom'));
    const p = await sceneToScreen(page, 256, 256);
    await page.mouse.move(p.x, p.y);
    await page.mouse.wheel(0, -300);
    await expect.poll(async () => Number(await ws.getAttribute('data-zoom'))).toBeGreaterThan(before);
    const q = await sceneToScreen(page, 256, 256);
    expect(Math.abs(q.x - p.x)).toBeLessThan(2);
  });

  it('had no console errors', () => {
    expect(errors).toEqual([]);
  });
}

function libraryFlows() {
  let page: Page;
  let errors: string[];
  let files: ReturnType<typeof tempDir>;
  let styleFile: string;
  let cannyFile: string;
  let otherFile: string;
  let fittingFile: string;

  beforeAll(async () => {
    files = tempDir('scedit-e2e-tuners-');
    // Real tuner files, written by the engine's own tuner writer.
    styleFile = await writeTunerFile(join(files.dir, 'ink-wash.safetensors'), { seed: 3 });
    cannyFile = await writeTunerFile(join(files.dir, 'edges.safetensors'), { kind: 'csc', seed: 4 });
    otherFile = await writeTunerFile(join(files.dir, 'other-base.safetensors'), {
      seed: 5,
      baseModel: { id: 'other-sd', hash: 'd'.repeat(64) },
    });
    // A tuner for the model this studio generates with, so the mixer has one that fits.
    const res = await fetch(new URL('api/modelsList', studio.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    const { output } = (await res.json()) as { output: { models: { id: string; hash: string | null }[] } };
    const model = output.models.find((m) => m.hash !== null);
    if (!model?.hash)
      throw new Error(`the studio lists no base model with a hash: ${JSON.stringify(output)}`);
    fittingFile = await writeTunerFile(join(files.dir, 'fits-embedded.safetensors'), {
      seed: 6,
      baseModel: { id: model.id, hash: model.hash },
    });
    ({ page, errors } = await openStudioPage());
    await page.getByRole('button', { name: 'Library' }).click();
  });

  afterAll(() => files?.cleanup());

  const card = (name: string) => page.getByRole('listitem', { name: `Tuner ${name}` });

  it('imports tuner files and shows them as cards', async () => {
    await page.getByLabel('Tuner file to import').setInputFiles(styleFile);
    await card('ink-wash').waitFor();
    await page.getByLabel('Tuner file to import').setInputFiles(cannyFile);
    await card('edges').waitFor();
    await page.getByLabel('Tuner file to import').setInputFiles(otherFile);
    await card('other-base').waitFor();
    await page.getByLabel('Tuner file to import').setInputFiles(fittingFile);
    await card('fits-embedded').waitFor();
    expect(await card('ink-wash').textContent()).toMatch(/Style \(SC\).*tiny-sd/);
    expect(await card('edges').textContent()).toMatch(/Condition \(CSC\) · canny/);
    await screenshot(page, 'e2e-08-library-imported');
  });

  it('searches and filters', async () => {
    await page.getByLabel('Search tuners').fill('ink');
    await expect.poll(() => page.locator('.tuner-card').count()).toBe(1);
    await page.getByLabel('Search tuners').fill('');
    await page.getByLabel('Kind').selectOption('csc');
    await expect.poll(() => page.locator('.tuner-card').count()).toBe(1);
    await card('edges').waitFor();
    await page.getByLabel('Kind').selectOption('');
    await expect.poll(() => page.locator('.tuner-card').count()).toBe(4);
  });

  it('renames, tags and exports a tuner', async () => {
    await card('ink-wash').getByRole('button', { name: 'Rename' }).click();
    await page.getByLabel('New name').fill('ink wash v2');
    await page.getByRole('button', { name: 'Save' }).click();
    await card('ink wash v2').waitFor();
    await page.getByLabel('Add a tag to ink wash v2').fill('watercolor');
    await page.getByLabel('Add a tag to ink wash v2').press('Enter');
    await card('ink wash v2').getByRole('button', { name: 'Remove tag watercolor' }).waitFor();
    await page.getByLabel('Tag filter').fill('watercolor');
    await expect.poll(() => page.locator('.tuner-card').count()).toBe(1);
    await page.getByLabel('Tag filter').fill('');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      card('ink wash v2').getByRole('button', { name: 'Export' }).click(),
    ]);
    const bytes = readFileSync(await download.path());
    // A safetensors file: an 8-byte little-endian header length, then a JSON header.
    const headerLength = Number(bytes.readBigUInt64LE(0));
    expect(bytes.subarray(8, 9).toString()).toBe('{');
    expect(JSON.parse(bytes.subarray(8, 8 + headerLength).toString()).__metadata__).toBeTruthy();
    await screenshot(page, 'e2e-09-library-renamed-tagged');
  });

  it('deletes only after confirmation', async () => {
    await card('edges').getByRole('button', { name: 'Delete' }).click();
    await page
      .getByRole('alertdialog', { name: 'Delete edges?' })
      .getByRole('button', { name: 'Keep' })
      .click();
    expect(await page.locator('.tuner-card').count()).toBe(4);
    await card('edges').getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Yes, delete' }).click();
    await expect.poll(() => page.locator('.tuner-card').count()).toBe(3);
  });

  it('offers library tuners in the mixer and refuses one trained on another base model', async () => {
    await page.getByRole('button', { name: 'Studio' }).click();
    const add = page.getByLabel('Add a style tuner');
    await expect
      .poll(async () => (await add.locator('option').allTextContents()).join('|'))
      .toMatch(/fits-embedded/);
    await expect.poll(() => page.getByLabel('Base model').isEnabled()).toBe(true);
    await add.selectOption((await add.locator('option', { hasText: 'ink wash v2' }).getAttribute('value'))!);
    await page
      .getByText(/"ink wash v2" was trained on base model "tiny-sd", but the current model is/)
      .waitFor();
    expect(await page.getByRole('button', { name: 'Remove ink wash v2 from the mix' }).count()).toBe(0);
    await add.selectOption(
      (await add.locator('option', { hasText: 'fits-embedded' }).getAttribute('value'))!,
    );
    await page.getByRole('button', { name: 'Remove fits-embedded from the mix' }).waitFor();
    expect(await page.getByRole('button', { name: 'Generate', exact: true }).isDisabled()).toBe(false);
    await screenshot(page, 'e2e-10-mixer-refusal');
  });

  it('had no console errors', () => {
    expect(errors).toEqual([]);
  });
}

/** Waits for one of two outcomes; "unavailable" means this build's server does not offer it yet. */
async function outcome(
  page: Page,
  done: () => Promise<unknown>,
  timeout: number,
): Promise<'done' | 'unavailable'> {
  const earlierErrors = await page.locator('.notice-error').count();
  const unavailable = page
    .getByText(/is not available in this build yet/)
    .first()
    .waitFor({ timeout })
    .then(() => 'unavailable' as const);
  const finished = done().then(() => 'done' as const);
  // Any other error notice fails the test at once, with what it says.
  const failed = page
    .locator('.notice-error')
    .nth(earlierErrors)
    .filter({ hasNotText: /is not available in this build yet/ })
    .waitFor({ timeout })
    .then(async () => {
      throw new Error(`the studio reported: ${await page.locator('.notice-error').last().textContent()}`);
    });
  return Promise.race([finished, unavailable, failed]);
}

function generationFlows() {
  let page: Page;
  let errors: string[];
  let folder: ReturnType<typeof tempDir>;

  beforeAll(async () => {
    ({ page, errors } = await openStudioPage());
  });
  afterAll(() => folder?.cleanup());

  async function setSlider(label: string, value: number) {
    const slider = page.getByLabel(label, { exact: true });
    await slider.focus();
    await page.keyboard.press('Home');
    const min = Number(await slider.getAttribute('min'));
    for (let v = min; v < value; v++) await page.keyboard.press('ArrowRight');
  }

  it('draws on an edge layer and generates: progress, then the image in the gallery and under the layers', async (ctx) => {
    await page.getByRole('button', { name: '+ Edges' }).click();
    await page.getByLabel('Width', { exact: true }).selectOption('64');
    await page.getByLabel('Height', { exact: true }).selectOption('64');
    await dragThrough(page, [
      [10, 10],
      [54, 54],
    ]);
    await page.getByLabel('Prompt', { exact: true }).fill('a red circle on a blue ground');
    await setSlider('Steps', 4);
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    const gallery = page.getByRole('list', { name: 'Generations, newest first' }).getByRole('listitem');
    const result = await outcome(page, () => gallery.first().waitFor({ timeout: 90_000 }), 90_000);
    if (result === 'unavailable') {
      await screenshot(page, 'e2e-11-generate-unavailable');
      ctx.skip();
      return;
    }
    expect(await gallery.count()).toBe(1);
    await page.getByText(/Generated 1 image/).waitFor();
    await screenshot(page, 'e2e-11-generated');
  });

  it('restores a recipe from the gallery with one click', async (ctx) => {
    const thumbs = page
      .getByRole('list', { name: 'Generations, newest first' })
      .getByRole('button', { name: /^Restore/ });
    if ((await thumbs.count()) === 0) {
      ctx.skip();
      return;
    }
    await page.getByLabel('Prompt', { exact: true }).fill('something else');
    await page.getByLabel('Width', { exact: true }).selectOption('128');
    await thumbs.first().click();
    await page.getByText(/Restored the settings/).waitFor();
    expect(await page.getByLabel('Prompt', { exact: true }).inputValue()).toBe(
      'a red circle on a blue ground',
    );
    expect(await page.getByLabel('Width', { exact: true }).inputValue()).toBe('64');
    expect(await page.getByLabel('Lock').isChecked()).toBe(true);
    await screenshot(page, 'e2e-12-recipe-restored');
  });

  it('starts a generation with Ctrl+Enter and cancels it mid-way', async (ctx) => {
    if ((await page.getByRole('list', { name: 'Generations, newest first' }).count()) === 0) {
      ctx.skip();
      return;
    }
    await setSlider('Steps', 60);
    await page.getByLabel('Prompt', { exact: true }).focus();
    await page.keyboard.press('Control+Enter');
    const bar = page.getByRole('progressbar', { name: 'Generation progress' });
    await bar.waitFor({ timeout: 30_000 });
    await expect
      .poll(async () => Number(await bar.getAttribute('value')), { timeout: 60_000 })
      .toBeGreaterThan(0);
    await screenshot(page, 'e2e-12b-generating');
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await page.getByText('Generation cancelled').waitFor({ timeout: 30_000 });
    await bar.waitFor({ state: 'detached' });
    expect(
      await page.getByRole('list', { name: 'Generations, newest first' }).getByRole('listitem').count(),
    ).toBe(1);
  });

  it('trains a tiny tuner from a folder: scan report, progress, then the tuner in the library and the mixer', async (ctx) => {
    folder = tempDir('scedit-e2e-train-');
    const sub = join(folder.dir, '3_red square');
    mkdirSync(sub);
    for (let k = 0; k < 4; k++) {
      const png = new PNG({ width: 64, height: 64 });
      for (let i = 0; i < 64 * 64; i++) {
        const x = i % 64;
        const y = Math.floor(i / 64);
        const inside = x > 12 + k && x < 50 - k && y > 12 && y < 50;
        png.data[4 * i] = inside ? 220 : 30;
        png.data[4 * i + 1] = inside ? 40 : 60;
        png.data[4 * i + 2] = inside ? 40 : 160;
        png.data[4 * i + 3] = 255;
      }
      writeFileSync(join(sub, `square-${k}.png`), PNG.sync.write(png));
    }
    writeFileSync(join(sub, 'notes.txt.bak'), 'not a picture');
    await page.getByRole('button', { name: 'Train' }).click();
    await page.getByLabel("Folder on the engine's machine").fill(folder.dir);
    await page.getByRole('button', { name: 'Scan folder' }).click();
    const scanned = await outcome(
      page,
      () => page.getByRole('region', { name: 'Scan report' }).waitFor({ timeout: 90_000 }),
      90_000,
    );
    if (scanned === 'unavailable') {
      await screenshot(page, 'e2e-13-train-unavailable');
      ctx.skip();
      return;
    }
    expect(await page.getByRole('region', { name: 'Scan report' }).textContent()).toMatch(
      /4\s*usable images/,
    );
    await page.getByLabel('Tuner name').fill('e2e red squares');
    await page.getByLabel('Steps').fill('2');
    await page.getByLabel('Checkpoint every').fill('1');
    await page.getByLabel('Preview every').fill('1');
    await page.getByRole('button', { name: 'Start training' }).click();
    const started = await outcome(
      page,
      () => page.getByRole('progressbar', { name: 'Training progress' }).waitFor({ timeout: 60_000 }),
      60_000,
    );
    if (started === 'unavailable') {
      await screenshot(page, 'e2e-13-train-unavailable');
      ctx.skip();
      return;
    }
    await screenshot(page, 'e2e-13-training');
    await outcome(
      page,
      () => page.getByRole('button', { name: 'Use in the mixer' }).waitFor({ timeout: 120_000 }),
      120_000,
    );
    await screenshot(page, 'e2e-14-trained');
    await page.getByRole('button', { name: 'Use in the mixer' }).click();
    await page.getByRole('button', { name: 'Remove e2e red squares from the mix' }).waitFor();
    await page.getByRole('button', { name: 'Library' }).click();
    await page.getByRole('listitem', { name: 'Tuner e2e red squares' }).waitFor();
    await screenshot(page, 'e2e-15-trained-in-library');
  }, 240_000);

  it('had no console errors', () => {
    expect(errors).toEqual([]);
  });
}
