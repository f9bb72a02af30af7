// Serves the real studio (`scedit serve`: the built UI, the real engine, a real SQLite library in a
// temporary folder) and drives it with Debian's Chromium through playwright-core.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const ARTIFACTS = join(ROOT, 'test/artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

/** Builds the browser UI from the current sources, as `npm run web` does. */
export function buildWebUi(): void {
  const r = spawnSync(
    process.execPath,
    ['node_modules/vite/bin/vite.js', 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'error'],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`building the UI failed:\n${r.stdout}\n${r.stderr}`);
}

export interface ServedStudio {
  readonly url: string;
  readonly dataDir: string;
  readonly output: () => string;
  stop(): Promise<void>;
}

/** Starts `scedit serve` on a free port with a fresh library; resolves once it listens. */
export async function serveStudio(env: Record<string, string> = {}): Promise<ServedStudio> {
  const dataDir = mkdtempSync(join(tmpdir(), 'scedit-e2e-'));
  const child: ChildProcess = spawn(
    process.execPath,
    ['bin/scedit.mjs', 'serve', '--port', '0', '--data-dir', dataDir],
    { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`scedit serve did not start in 60 s:\n${output}`)),
      60_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /serving at (http:\/\/\S+?\/)(\s|$)/.exec(output);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`scedit serve exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    dataDir,
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Console errors and uncaught exceptions of a page, for the "no console errors" checks. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  return errors;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** Where a scene point is on the screen (the workspace publishes its zoom and pan). */
export async function sceneToScreen(page: Page, x: number, y: number): Promise<{ x: number; y: number }> {
  const ws = page.getByTestId('workspace');
  const box = await ws.boundingBox();
  if (!box) throw new Error('the canvas is not on screen');
  const zoom = Number(await ws.getAttribute('data-zoom'));
  const panX = Number(await ws.getAttribute('data-pan-x'));
  const panY = Number(await ws.getAttribute('data-pan-y'));
  return { x: box.x + panX + x * zoom, y: box.y + panY + y * zoom };
}

/** Drags the mouse through scene points (pressing at the first, releasing at the last). */
export async function dragThrough(page: Page, points: readonly [number, number][]): Promise<void> {
  const [first, ...rest] = points;
  if (!first) return;
  const p0 = await sceneToScreen(page, first[0], first[1]);
  await page.mouse.move(p0.x, p0.y);
  await page.mouse.down();
  for (const [x, y] of rest) {
    const p = await sceneToScreen(page, x, y);
    await page.mouse.move(p.x, p.y, { steps: 4 });
  }
  await page.mouse.up();
}
