// A newcomer's first picture in the studio: on a fresh data folder with a shipped pose tuner, the
// new pose layer is already bound to it (no trip to the mixer) at the weight the manifest gives
// the tuner, and Generate makes an image. The shipped tuner is a small untrained CSC-Tuner made for
// the embedded model (the real ones are trained), in a fixture folder pointed to by
// SCEDIT_TUNERS_DIR, as shipped-tuner-generate does.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../main/engine/backend.ts';
import { EMBEDDED_MODEL_DIR, loadDefaultModel } from '../../main/engine/pipeline/default-model.ts';
import { cscConfigFor } from '../../main/engine/train/trainable-tuner.ts';
import { CscTuner } from '../../main/engine/tuners/csc-tuner.ts';
import { saveTuner } from '../../main/engine/tuners/tuner-file.ts';
import { sha256Of, writeManifest } from '../unit/library/shipped-tuners-fixture.ts';
import { tempDir } from '../unit/library/tuner-fixture.ts';
import {
  buildWebUi,
  chromiumAvailable,
  collectPageErrors,
  launchChromium,
  type ServedStudio,
  screenshot,
  serveStudio,
} from './studio-harness.ts';

const SHIPPED_NAME = 'Pose (embedded model)';

function embeddedExamplePrompts(): string[] {
  const manifest = JSON.parse(readFileSync(join(EMBEDDED_MODEL_DIR, 'model.json'), 'utf8'));
  expect(manifest.examplePrompts.length).toBeGreaterThan(1);
  return manifest.examplePrompts;
}

/** A shipped-tuner folder holding one pose CSC-Tuner for the embedded model. */
async function writeShippedPoseTuner(dir: string): Promise<void> {
  await initBackend();
  const model = await loadDefaultModel();
  const tuner = new CscTuner(cscConfigFor(model, 'pose', 1), { seed: 5 });
  try {
    await saveTuner(join(dir, 'pose.safetensors'), tuner, {
      baseModel: { id: model.id, hash: model.hash },
      training: { steps: 0 },
    });
  } finally {
    tuner.dispose();
    model.dispose();
  }
  writeManifest(dir, [
    {
      file: 'pose.safetensors',
      name: SHIPPED_NAME,
      kind: 'csc',
      condition: 'pose',
      tags: ['condition'],
      notes: 'Draw a pose; get a figure in that pose.',
      weight: 2,
      sha256: sha256Of(join(dir, 'pose.safetensors')),
    },
  ]);
}

describe.skipIf(!chromiumAvailable())('a shipped pose tuner in the studio', () => {
  let t: ReturnType<typeof tempDir>;
  let studio: ServedStudio;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    t = tempDir('scedit-e2e-shipped-');
    const tunersDir = join(t.dir, 'tuners');
    mkdirSync(tunersDir);
    await writeShippedPoseTuner(tunersDir);
    buildWebUi();
    [studio, browser] = await Promise.all([serveStudio({ SCEDIT_TUNERS_DIR: tunersDir }), launchChromium()]);
    page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    errors = collectPageErrors(page);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await studio?.stop();
    t?.cleanup();
  });

  // Generate is clicked as soon as the page shows it: before the engine listed its models the canvas
  // had its 512 px placeholder size, and the 64 px model took minutes on a 512 px picture.
  it("a first picture at once, without layers: at the model's size, and the drawing hint moves below it", async () => {
    await page.goto(studio.url);
    const hint = page.getByText('Add a condition layer (edges, scribble, depth or pose)');
    const workspace = page.locator('.workspace');
    const centreOf = async () => {
      const [h, w] = [await hint.boundingBox(), await workspace.boundingBox()];
      return (h!.y + h!.height / 2 - w!.y) / w!.height;
    };
    expect(await centreOf()).toBeCloseTo(0.5, 1);
    // The prompt box offers what the embedded model draws (its manifest's examples), not a prompt
    // from another model's world; "Try an example" fills one in, and again the next.
    const prompt = page.getByLabel('Prompt', { exact: true });
    const examples = embeddedExamplePrompts();
    await expect.poll(() => prompt.getAttribute('placeholder'), { timeout: 60_000 }).toBe(examples[0]);
    const tryExample = page.getByRole('button', { name: 'Try an example' });
    await tryExample.click();
    expect(await prompt.inputValue()).toBe(examples[0]);
    await tryExample.click();
    expect(await prompt.inputValue()).toBe(examples[1]);
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await page.getByText(/Generated 1 image/).waitFor({ timeout: 110_000 });
    const gallery = page.getByRole('list', { name: 'Generations, newest first' }).getByRole('listitem');
    const res = await fetch(
      new URL((await gallery.first().locator('img').getAttribute('src')) ?? '', page.url()),
    );
    expect(PNG.sync.read(Buffer.from(await res.arrayBuffer())).width).toBe(64);
    await expect.poll(centreOf).toBeGreaterThan(0.85);
    await screenshot(page, 'e2e-first-picture-hint');
  }, 200_000);

  it('binds a new pose layer to the shipped pose tuner, and generates with it', async () => {
    await page.goto(studio.url);
    await page.getByRole('heading', { name: 'Layers' }).waitFor();
    // The library must be read before the layer is added, as it is for a user who looks first.
    const dropdownFor = (layer: string) => page.getByLabel(`Condition tuner for ${layer}`);
    await page
      .getByText('Add a condition layer to bind a condition tuner to it.')
      .waitFor({ timeout: 30_000 });

    await page.getByRole('button', { name: '+ Pose' }).click();
    await page.getByRole('button', { name: 'Add person' }).click();
    await expect
      .poll(() => dropdownFor('Pose').locator('option:checked').textContent())
      .toContain(SHIPPED_NAME);
    const layers = await page.evaluate<{ kind: string; tunerId: string | null; weight: number }[]>(
      'window.sceditStudio.scene().layers',
    );
    expect(layers).toHaveLength(1);
    expect(layers[0]?.tunerId).toBe(await dropdownFor('Pose').inputValue());
    // The shipped tuner's preferred weight (the manifest's), shown in the layer list.
    expect(layers[0]?.weight).toBe(2);
    await expect
      .poll(() => page.getByRole('list', { name: 'Condition layers, top first' }).textContent())
      .toContain('2.00');

    await page.getByLabel('Prompt', { exact: true }).fill('a blue figure raising both arms');
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    const gallery = page.getByRole('list', { name: 'Generations, newest first' }).getByRole('listitem');
    await gallery.first().waitFor({ timeout: 110_000 });
    await page.getByText(/Generated 1 image/).waitFor();
    // The result is a real picture the engine made: its thumbnail is a PNG the server serves.
    const src = await gallery.first().locator('img').getAttribute('src');
    const res = await fetch(new URL(src ?? '', page.url()));
    expect(res.ok).toBe(true);
    const png = PNG.sync.read(Buffer.from(await res.arrayBuffer()));
    expect(png.width).toBeGreaterThan(0);
    const used = (await dropdownFor('Pose').locator('option:checked').textContent()) ?? '';
    expect(used).toContain(SHIPPED_NAME);
    await screenshot(page, 'e2e-shipped-pose-generated');
    // The library card says where the tuner starts.
    await page.getByRole('button', { name: 'Library' }).click();
    const card = page.getByRole('listitem', { name: `Tuner ${SHIPPED_NAME}` });
    await card.waitFor();
    expect(await card.locator('dt', { hasText: 'Starts at' }).locator('+ dd').textContent()).toBe('weight 2');
    expect(errors).toEqual([]);
  }, 200_000);
});
