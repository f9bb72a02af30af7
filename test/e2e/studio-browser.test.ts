import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_SOCKET_PATH } from '../../shared/api/protocol.ts';
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
/** The engine's default base model: the canvas starts at its native size. */
let model: { id: string; hash: string | null; resolution: number };

async function callApi<T>(method: string, input: unknown): Promise<{ output?: T; error?: { code: string } }> {
  const res = await fetch(new URL(`api/${method}`, studio.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  return (await res.json()) as { output?: T; error?: { code: string } };
}

/** A coordinate given for a 64-pixel canvas, on the canvas the studio opened with. */
const u = (v: number) => (v * model.resolution) / 64;
const at = (x: number, y: number): [number, number] => [u(x), u(y)];

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
    const { output } = await callApi<{ models: (typeof model & { isDefault: boolean })[] }>('modelsList', {});
    const found = output?.models.find((m) => m.isDefault) ?? output?.models[0];
    if (!found) throw new Error(`the studio lists no base model: ${JSON.stringify(output)}`);
    model = found;
  });

  afterAll(async () => {
    await browser?.close();
    await studio?.stop();
  });

  describe('start-up', startupFlows);
  describe('canvas', canvasFlows);
  describe('library', libraryFlows);
  describe('generation and training', generationFlows);
});

function startupFlows() {
  it("takes the model's size even when the engine lists its models while another view is open", async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    const errors = collectPageErrors(page);
    // Hold the page's first model listing back until the artist has left the Studio view.
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.routeWebSocket(
      (url) => url.pathname === API_SOCKET_PATH,
      (ws) => {
        const server = ws.connectToServer();
        ws.onMessage(async (message) => {
          if ((JSON.parse(String(message)) as { method?: string }).method === 'modelsList') await released;
          server.send(message);
        });
      },
    );
    await page.goto(studio.url);
    await page.getByRole('heading', { name: 'Layers' }).waitFor();
    expect((await scene(page)).width).toBe(512);
    await page.getByRole('button', { name: 'Train' }).click();
    release();
    await expect.poll(async () => (await scene(page)).width).toBe(model.resolution);
    await page.getByRole('button', { name: 'Studio' }).click();
    expect(await page.getByLabel('Width', { exact: true }).inputValue()).toBe(String(model.resolution));
    expect(errors).toEqual([]);
    await page.close();
  });
}

function canvasFlows() {
  let page: Page;
  let errors: string[];
  beforeAll(async () => {
    ({ page, errors } = await openStudioPage());
  });

  /** What the canvas shows of the canvas pixel holding this point (given for a 64-px canvas). */
  const pixel = async (x: number, y: number) => (await shownPixel(page, u(x) + 0.5, u(y) + 0.5))[0]!;

  it("opens at the model's native size, zoomed to fit, with the engine's backend in the status bar", async () => {
    await page.getByText(/Backend: /).waitFor({ timeout: 20_000 });
    expect(await page.locator('footer').textContent()).toMatch(/Engine (ready|starting)/);
    await expect.poll(async () => (await scene(page)).width).toBe(model.resolution);
    expect((await scene(page)).height).toBe(model.resolution);
    expect(await page.getByLabel('Width', { exact: true }).inputValue()).toBe(String(model.resolution));
    // The canvas fills the space between the panels, whatever the model's size.
    const ws = page.getByTestId('workspace');
    const box = (await ws.boundingBox())!;
    const zoom = Number(await ws.getAttribute('data-zoom'));
    expect(model.resolution * zoom).toBeGreaterThan(Math.min(box.width, box.height) * 0.8);
    await screenshot(page, 'e2e-01-start');
  });

  it('draws brush strokes and a straight line on an edge layer, with undo and redo', async () => {
    await page.getByRole('button', { name: '+ Edges' }).click();
    // Two pixels wide, so a stroke through a point covers the pixel that holds it.
    const width = Math.max(2, Math.round(u(0.5)));
    const slider = page.getByLabel('Stroke width', { exact: true });
    await slider.fill(String(width));
    expect(Number(await slider.inputValue())).toBe(width);
    await dragThrough(page, [at(12, 15), at(25, 20), at(37, 15), at(50, 20)]);
    await dragThrough(page, [at(12, 37), at(19, 41), at(27, 37)]);
    await page.getByRole('button', { name: 'Straight line' }).click();
    await dragThrough(page, [at(10, 52), at(31, 55), at(54, 52)]);
    let s = await scene(page);
    const edges = s.layers.find((l) => l.kind === 'edge')!;
    expect(edges.strokes).toHaveLength(3);
    expect(edges.strokes![0]!.width).toBe(width);
    // The line tool keeps only its two end points.
    expect(edges.strokes![2]!.points).toHaveLength(4);
    expect(Math.abs(edges.strokes![2]!.points[0]! - u(10))).toBeLessThan(u(0.5));
    expect(Math.abs(edges.strokes![2]!.points[2]! - u(54))).toBeLessThan(u(0.5));
    // What the canvas shows is the condition map: white on the stroke, dark beside it.
    expect(await pixel(25, 20)).toBeGreaterThan(150);
    expect(await pixel(25, 28)).toBeLessThan(30);
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
    await dragThrough(page, [at(24, 12), at(26, 24)]);
    s = await scene(page);
    expect(s.layers.find((l) => l.kind === 'edge')!.strokes!.at(-1)!.tool).toBe('eraser');
    // The scene holds the stroke before the canvas has redrawn it: wait for the frame.
    await expect.poll(() => pixel(25, 19)).toBeLessThan(30);
  });

  it('drags a pose joint, saves the pose as OpenPose JSON and loads it back', async () => {
    await page.getByRole('button', { name: '+ Pose' }).click();
    await page.getByRole('button', { name: 'Add person' }).click();
    let s = await scene(page);
    const pose = s.layers.find((l) => l.kind === 'pose')!;
    const wrist = pose.people![0]!.keypoints[4]!;
    const from = await sceneToScreen(page, wrist[0], wrist[1]);
    const to = await sceneToScreen(page, u(11), u(10));
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move(to.x, to.y, { steps: 8 });
    await page.mouse.up();
    s = await scene(page);
    const moved = s.layers.find((l) => l.kind === 'pose')!.people![0]!.keypoints;
    expect(Math.abs(moved[4]![0] - u(11))).toBeLessThan(u(1));
    expect(Math.abs(moved[4]![1] - u(10))).toBeLessThan(u(1));
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
    await dragThrough(page, [at(32, 2), at(32, 61)]);
    // Shown at the layer's 0.8 opacity over black.
    expect(await pixel(32, 3)).toBeGreaterThan(170);
    expect(await pixel(32, 60)).toBeLessThan(60);
    await page.getByRole('button', { name: 'Depth brush' }).click();
    await dragThrough(page, [at(19, 50), at(44, 50)]);
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
    expect(await pixel(32, 32)).toBeLessThan(30);
    await page.getByRole('button', { name: '+ Scribble' }).click();
    await page.getByLabel('Use the picture as the map').check();
    await page.getByLabel('Picture for Scribble').setInputFiles(file);
    // The picture fills the canvas: its square covers the middle half.
    await expect.poll(() => pixel(32, 32)).toBeGreaterThan(150);
    expect(await pixel(7, 7)).toBeLessThan(30);

    await page.getByRole('button', { name: 'Region mask' }).click();
    await dragThrough(page, [at(12, 12), at(38, 38)]);
    const layer = (await scene(page)).layers.at(-1) as unknown as {
      kind: string;
      mask: Record<string, number>;
    };
    expect(layer.kind).toBe('scribble');
    expect(Math.abs(layer.mask.x! - u(12))).toBeLessThan(u(1));
    expect(Math.abs(layer.mask.width! - u(26))).toBeLessThan(u(1));
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
    // Edges along the square's border (a quarter of the way in), nothing in its middle.
    let edge = 0;
    for (let d = -1; d <= 1; d++) edge = Math.max(edge, await pixel(16 + d, 32));
    expect(edge).toBeGreaterThan(90);
    expect(await pixel(32, 32)).toBeLessThan(30);
    await page.getByRole('button', { name: 'Brush' }).click();
    await dragThrough(page, [at(25, 31), at(38, 31)]);
    expect(await pixel(31, 31)).toBeGreaterThan(150);
    await screenshot(page, 'e2e-07-canny-annotated');
  });

  it('zooms with the wheel around the pointer', async () => {
    const ws = page.getByTestId('workspace');
    const before = Number(await ws.getAttribute('data-zoom'));
    const p = await sceneToScreen(page, u(32), u(32));
    await page.mouse.move(p.x, p.y);
    await page.mouse.wheel(0, -300);
    await expect.poll(async () => Number(await ws.getAttribute('data-zoom'))).toBeGreaterThan(before);
    const q = await sceneToScreen(page, u(32), u(32));
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
    if (!model.hash) throw new Error(`the default base model has no hash: ${JSON.stringify(model)}`);
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

  it("shows a tuner's lineage and keeps the artist's rating, notes and starting weight", async () => {
    await card('ink wash v2').getByRole('button', { name: 'Details' }).click();
    const details = page.getByRole('dialog', { name: 'Details of ink wash v2' });
    await details.getByText('/data/cats · 12 pictures').waitFor();
    expect(await details.getByText('imported file').count()).toBe(1);
    await details.getByRole('button', { name: '4 stars' }).click();
    await expect.poll(() => card('ink wash v2').textContent()).toMatch(/Rating★★★★ 4 of 5/);
    await details.getByLabel('Notes').fill('Soft washes; keep the weight low.');
    await details.getByRole('button', { name: 'Save notes' }).click();
    await expect.poll(() => details.getByRole('button', { name: 'Save notes' }).isDisabled()).toBe(true);
    await details.getByLabel('Starting weight').fill('0.8');
    await details.getByLabel('Starting weight').press('Enter');
    await expect.poll(() => card('ink wash v2').textContent()).toMatch(/Starts atweight 0\.8/);
    await screenshot(page, 'e2e-09a-tuner-details');
    await page.keyboard.press('Escape');
    expect(await details.count()).toBe(0);
    // What was saved is the library's: found by the notes, first by rating.
    await page.getByLabel('Search tuners').fill('washes');
    await expect.poll(() => page.locator('.tuner-card').count()).toBe(1);
    await page.getByLabel('Search tuners').fill('');
    await page.getByLabel('Sort by').selectOption('rating');
    await expect.poll(() => page.locator('.tuner-card h3').first().textContent()).toBe('ink wash v2');
    await page.getByLabel('Sort by').selectOption('created');
    // Trigger words, typed as one comma-separated line, for the mixer to offer.
    await card('fits-embedded').getByRole('button', { name: 'Details' }).click();
    const fits = page.getByRole('dialog', { name: 'Details of fits-embedded' });
    await fits.getByLabel('Trigger words').fill('flat emoji,  bold outline ,');
    await fits.getByLabel('Trigger words').press('Enter');
    await expect.poll(() => card('fits-embedded').textContent()).toMatch(/Triggerflat emoji, bold outline/);
    await fits.getByRole('button', { name: 'Close details' }).click();
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
    // Its trigger words go to the front of the prompt with one click, once.
    const prompt = page.getByLabel('Prompt', { exact: true });
    await prompt.fill('a cat');
    await page.getByRole('button', { name: 'Add "bold outline" to the prompt' }).click();
    expect(await prompt.inputValue()).toBe('bold outline, a cat');
    expect(await page.getByRole('button', { name: 'Add "bold outline" to the prompt' }).isDisabled()).toBe(
      true,
    );
    await prompt.fill('');
    expect(await page.getByRole('button', { name: 'Generate', exact: true }).isDisabled()).toBe(false);
    await screenshot(page, 'e2e-10-mixer-refusal');
  });

  it('puts a library tuner to work with Use, and offers no Use for one the current model cannot take', async () => {
    await page.getByRole('button', { name: 'Remove fits-embedded from the mix' }).click();
    await page.getByRole('button', { name: 'Library' }).click();
    const foreign = card('other-base').getByRole('button', { name: 'Use' });
    expect(await foreign.isDisabled()).toBe(true);
    expect(await foreign.getAttribute('title')).toMatch(/trained on base model "other-sd"/);
    await card('fits-embedded').getByRole('button', { name: 'Use' }).click();
    // Back in the Studio, mixed at the weight the tuner starts at.
    await page.getByRole('button', { name: 'Remove fits-embedded from the mix' }).waitFor();
    await page.getByText('Added "fits-embedded" to the mix').waitFor();
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
  let trained = false;

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

  const trainingStatus = () =>
    page.getByRole('region', { name: 'Training progress' }).getByRole('status').textContent();

  it('trains a tiny condition tuner from a folder: scan report, progress, cancel, resume, then the tuner in the library and the mixer', async (ctx) => {
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
    // A browser cannot open a folder dialog on the engine's machine: it types the path.
    await page.getByText('1. Pictures').waitFor();
    expect(await page.getByRole('button', { name: 'Browse…' }).count()).toBe(0);
    expect((await callApi('chooseFolder', {})).error?.code).toBe('unavailable');
    await page.getByLabel("Folder on the engine's machine").fill(folder.dir);
    // Each kind starts from the settings measured to work for it (training-presets.ts): a condition
    // tuner trained like a style tuner would hardly follow its map.
    expect(await page.getByLabel('Learning rate').inputValue()).toBe('0.0001');
    await page.getByLabel('Tuner kind').selectOption('csc');
    expect(await page.getByLabel('Learning rate').inputValue()).toBe('0.002');
    expect(await page.getByLabel('Caption dropout').inputValue()).toBe('0.5');
    expect(await page.getByLabel('Batch size').inputValue()).toBe('8');
    await page.getByLabel('Condition', { exact: true }).selectOption('canny');
    await page.getByRole('button', { name: 'Scan folder' }).click();
    const scanned = await outcome(
      page,
      () => page.getByRole('region', { name: 'Scan report' }).waitFor({ timeout: 90_000 }),
      90_000,
    );
    if (scanned === 'unavailable') {
      await screenshot(page, 'e2e-11-train-unavailable');
      ctx.skip();
      return;
    }
    expect(await page.getByRole('region', { name: 'Scan report' }).textContent()).toMatch(
      /4\s*usable images/,
    );
    await page.getByLabel('Tuner name').fill('e2e red squares');
    await page.getByLabel('Steps').fill('12');
    await page.getByLabel('Batch size').fill('2');
    // The artist's own settings survive a change of kind and back.
    await page.getByLabel('Tuner kind').selectOption('sc');
    await page.getByLabel('Tuner kind').selectOption('csc');
    expect(await page.getByLabel('Steps').inputValue()).toBe('12');
    expect(await page.getByLabel('Learning rate').inputValue()).toBe('0.002');
    await page.getByLabel('Checkpoint every').fill('1');
    await page.getByLabel('Preview every').fill('6');
    await page.getByRole('button', { name: 'Start training' }).click();
    const started = await outcome(
      page,
      () => page.getByRole('progressbar', { name: 'Training progress' }).waitFor({ timeout: 60_000 }),
      60_000,
    );
    if (started === 'unavailable') {
      await screenshot(page, 'e2e-11-train-unavailable');
      ctx.skip();
      return;
    }
    // Stop it part-way: it keeps its checkpoint and offers to go on from there.
    await expect.poll(trainingStatus, { timeout: 60_000 }).toMatch(/Step ([2-9]|1[01])\/12/);
    await screenshot(page, 'e2e-11-training');
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    const stopped = page.getByRole('region', { name: 'Training stopped' });
    await stopped.waitFor({ timeout: 30_000 });
    expect(await stopped.textContent()).toMatch(
      /e2e red squares cancelled at step ([1-9]|1[01]) of 12.*resume\?/,
    );
    await page.getByText('Training stopped; its last checkpoint is kept for resuming').waitFor();
    await screenshot(page, 'e2e-12-training-cancelled');

    await stopped.getByRole('button', { name: 'Resume training' }).click();
    await page.getByRole('progressbar', { name: 'Training progress' }).waitFor({ timeout: 30_000 });
    await outcome(
      page,
      () => page.getByRole('button', { name: 'Use in the mixer' }).waitFor({ timeout: 120_000 }),
      120_000,
    );
    expect(await page.getByText(/Done: 12 steps/).count()).toBe(1);
    await screenshot(page, 'e2e-13-trained');
    // The finished run is in the list as completed; the condition tuner drives an edge layer.
    await page.getByRole('cell', { name: 'completed' }).waitFor();
    await page.getByRole('button', { name: 'Use in the mixer' }).click();
    await expect
      .poll(() => page.getByLabel('Condition tuner for Edges').locator('option:checked').textContent())
      .toMatch(/e2e red squares/);
    await page.getByRole('button', { name: 'Library' }).click();
    await page.getByRole('listitem', { name: 'Tuner e2e red squares' }).waitFor();
    await screenshot(page, 'e2e-14-trained-in-library');
    // Its lineage: trained here, 12 steps, with the loss curve of the run.
    await page
      .getByRole('listitem', { name: 'Tuner e2e red squares' })
      .getByRole('button', { name: 'Details' })
      .click();
    const lineage = page.getByRole('dialog', { name: 'Details of e2e red squares' });
    await lineage.getByText(/trained in this studio \(run \d+\)/).waitFor();
    expect(await lineage.getByLabel('Lineage').textContent()).toMatch(/Steps12/);
    // Trained from "3_red square/": the folder's words are what it answers to.
    expect(await lineage.getByLabel('Trigger words').inputValue()).toBe('red square');
    expect(await lineage.getByRole('img', { name: /Training loss: \d+ points/ }).count()).toBe(1);
    await lineage.getByRole('button', { name: 'Close details' }).click();
    trained = true;
  }, 240_000);

  it('binds the trained tuner to an edge layer, masks a region and generates: progress, then the image in the gallery and under the layers', async (ctx) => {
    if (!trained) {
      ctx.skip();
      return;
    }
    await page.getByRole('button', { name: 'Studio' }).click();
    const layers = (await scene(page)).layers;
    expect(layers.map((l) => l.kind)).toEqual(['edge']);
    await expect.poll(async () => (await scene(page)).width).toBe(model.resolution);
    await page.getByRole('button', { name: 'Brush' }).click();
    await dragThrough(page, [at(8, 8), at(56, 56)]);
    await page.getByRole('button', { name: 'Region mask' }).click();
    await dragThrough(page, [at(4, 6), at(40, 44)]);
    const drawn = (await scene(page)).layers.at(-1) as unknown as { mask: Record<string, number> | null };
    expect(drawn.mask).not.toBeNull();
    await page.getByLabel('Prompt', { exact: true }).fill('a red square on a blue ground');
    await setSlider('Steps', 4);
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    const gallery = page.getByRole('list', { name: 'Generations, newest first' }).getByRole('listitem');
    const result = await outcome(page, () => gallery.first().waitFor({ timeout: 90_000 }), 90_000);
    if (result === 'unavailable') {
      await screenshot(page, 'e2e-15-generate-unavailable');
      ctx.skip();
      return;
    }
    expect(await gallery.count()).toBe(1);
    await page.getByText(/Generated 1 image/).waitFor();
    await screenshot(page, 'e2e-15-generated');
  });

  it('restores a recipe from the gallery with one click, the masked layer with its region', async (ctx) => {
    const thumbs = page
      .getByRole('list', { name: 'Generations, newest first' })
      .getByRole('button', { name: /^Restore/ });
    if ((await thumbs.count()) === 0) {
      ctx.skip();
      return;
    }
    const before = (await scene(page)).layers.at(-1) as unknown as {
      kind: string;
      tunerId: string;
      mask: Record<string, unknown>;
    };
    await page.getByLabel('Prompt', { exact: true }).fill('something else');
    await page.getByRole('button', { name: 'Delete layer' }).click();
    expect((await scene(page)).layers).toHaveLength(0);
    await page.getByLabel('Width', { exact: true }).selectOption(String(model.resolution * 2));
    // Off the model's size, the panel offers it back.
    await page.getByRole('button', { name: `model: ${model.resolution}²` }).waitFor();
    await screenshot(page, 'e2e-16a-other-size');
    await thumbs.first().click();
    await page.getByText(/Restored the settings/).waitFor();
    expect(await page.getByLabel('Prompt', { exact: true }).inputValue()).toBe(
      'a red square on a blue ground',
    );
    expect(await page.getByLabel('Width', { exact: true }).inputValue()).toBe(String(model.resolution));
    expect(await page.getByLabel('Lock').isChecked()).toBe(true);
    const restored = (await scene(page)).layers as unknown as {
      kind: string;
      tunerId: string;
      mask: Record<string, unknown> | null;
    }[];
    expect(restored).toHaveLength(1);
    expect(restored[0]).toMatchObject({ kind: 'edge', tunerId: before.tunerId, mask: before.mask });
    expect(await page.getByText(/region mask.*was not restored/).count()).toBe(0);
    await screenshot(page, 'e2e-16-recipe-restored');
  });

  it('restores the same from the PNG dropped on the window', async (ctx) => {
    const img = page
      .getByRole('list', { name: 'Generations, newest first' })
      .getByRole('listitem')
      .first()
      .locator('img');
    if ((await img.count()) === 0) {
      ctx.skip();
      return;
    }
    const before = (await scene(page)).layers as unknown as { tunerId: string; mask: unknown }[];
    await page.getByRole('button', { name: 'Delete layer' }).click();
    await page.getByLabel('Prompt', { exact: true }).fill('something else');
    // What the operating system hands the page when a file is dropped on it.
    await page.evaluate(`(async () => {
      const bytes = await (await fetch(${JSON.stringify(await img.getAttribute('src'))})).blob();
      const data = new DataTransfer();
      data.items.add(new File([bytes], 'generated.png', { type: 'image/png' }));
      window.dispatchEvent(new DragEvent('drop', { dataTransfer: data, cancelable: true }));
    })()`);
    await page.getByText('Loaded the settings from generated.png (scedit)').waitFor();
    expect(await page.getByLabel('Prompt', { exact: true }).inputValue()).toBe(
      'a red square on a blue ground',
    );
    const layers = (await scene(page)).layers as unknown as { tunerId: string; mask: unknown }[];
    expect(layers).toHaveLength(1);
    expect(layers[0]).toMatchObject({ tunerId: before[0]!.tunerId, mask: before[0]!.mask });
    await screenshot(page, 'e2e-17-recipe-dropped');
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
    await screenshot(page, 'e2e-18-generating');
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await page.getByText('Generation cancelled').waitFor({ timeout: 30_000 });
    await bar.waitFor({ state: 'detached' });
    expect(
      await page.getByRole('list', { name: 'Generations, newest first' }).getByRole('listitem').count(),
    ).toBe(1);
  });

  it('had no console errors', () => {
    expect(errors).toEqual([]);
  });
}
