import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { openStudio, type Studio } from '../../../main/api/studio.ts';
import { encodePng, readImage } from '../../../main/engine/io/image.ts';
import { fileStoreRoot } from '../../../main/library/data-dir.ts';
import { type StudioServer, startStudioServer } from '../../../main/server/studio-server.ts';
import { createWsStudioClient, type WsStudioClient } from '../../../renderer/src/api/ws-client.ts';
import type { JobProgress } from '../../../shared/api/progress.ts';
import type { ServerMessage } from '../../../shared/api/protocol.ts';

let dir: string;
let studio: Studio;
let server: StudioServer;
const clients: WsStudioClient[] = [];

function client(base = server.url, token?: string): WsStudioClient {
  const c = createWsStudioClient({ baseUrl: base, token, openSocket: (url) => new WebSocket(url) as never });
  clients.push(c);
  return c;
}

/** A raw socket that collects every server message. */
async function rawSocket(url: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(url, { headers });
  const messages: ServerMessage[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data))));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const next = async (n: number) => {
    const deadline = Date.now() + 10_000;
    while (messages.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    return messages[n - 1];
  };
  return { ws, messages, next };
}

/** GET with the path sent exactly as written (fetch would normalise "..", "%2e%2e"). */
function rawGet(s: StudioServer, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: s.port, path, method: 'GET' }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

function wsUrl(s: StudioServer, query = '') {
  return `${s.url.replace('http', 'ws')}api/ws${query}`;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scedit-server-'));
  const web = join(dir, 'web');
  mkdirSync(web);
  writeFileSync(join(web, 'index.html'), '<!doctype html><title>SCEdit Studio</title>');
  studio = openStudio({ mode: 'browser', dataDir: join(dir, 'data'), testHooks: true });
  const store = fileStoreRoot(studio.context.dataDir);
  mkdirSync(join(store, 'ab'), { recursive: true });
  writeFileSync(join(store, 'ab', 'picture.png'), 'png bytes');
  writeFileSync(join(dir, 'secret.txt'), 'outside the store');
  symlinkSync(join(dir, 'secret.txt'), join(store, 'ab', 'link.png'));
  server = await startStudioServer({ studio, webRoot: web, storeRoot: store, port: 0 });
});

afterAll(async () => {
  for (const c of clients) c.disconnect();
  await server?.close();
  await studio?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('studio server on 127.0.0.1', () => {
  it('needs no token on loopback and reports the engine over the socket', async () => {
    expect(server.token).toBeNull();
    const info = await client().systemInfo({});
    expect(info.mode).toBe('browser');
    expect(info.engine.restarts).toBe(0);
  });

  it('runs a job with >= 5 progress events a second, fraction and ETA', async () => {
    const events: JobProgress[] = [];
    const out = await client().debugJob({ steps: 4, stepMs: 300 }, { onProgress: (p) => events.push(p) });
    expect(out.steps).toBe(4);
    const running = events.filter((e) => e.state === 'running');
    const seconds = (running.at(-1)!.elapsedMs - running[0]!.elapsedMs) / 1000;
    expect(seconds).toBeGreaterThan(1);
    expect(running.length / seconds).toBeGreaterThanOrEqual(5);
    expect(running.some((e) => e.etaMs !== null && e.fraction > 0 && e.fraction < 1)).toBe(true);
    expect(running.at(-1)!.fraction).toBe(1);
  });

  it('annotates a picture as a queued job with progress, and says what is wrong with a bad one', async () => {
    const width = 96;
    const height = 64;
    const data = new Uint8ClampedArray(width * height * 4);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const inside = x >= 24 && x < 72 && y >= 16 && y < 48;
        data.set(inside ? [255, 255, 255, 255] : [0, 0, 0, 255], (y * width + x) * 4);
      }
    const png = await encodePng({ width, height, data });
    const events: JobProgress[] = [];
    const out = await client().annotate(
      { kind: 'canny', image: `data:image/png;base64,${png.toString('base64')}`, width: 48, height: 32 },
      { onProgress: (p) => events.push(p) },
    );
    expect(out).toMatchObject({ width: 48, height: 32, pose: null });
    const map = await readImage(Buffer.from(out.map, 'base64'));
    expect([map.width, map.height]).toEqual([48, 32]);
    let edges = 0;
    for (let i = 0; i < map.data.length; i += 4) if (map.data[i]! > 128) edges++;
    // The square's outline (24 x 16 at half size), give or take a pixel of the edge's width.
    expect(edges).toBeGreaterThan(60);
    expect(edges).toBeLessThan(200);
    expect(events[0]).toMatchObject({ state: 'queued', method: 'annotate' });
    expect(events.at(-1)).toMatchObject({ state: 'running', fraction: 1 });
    const bad = client().annotate({
      kind: 'scribble',
      image: Buffer.from('not a picture').toString('base64'),
    });
    await expect(bad).rejects.toMatchObject({ code: 'invalid-input', message: /the picture to annotate/ });
  });

  it('serves three clients at once, one compute job at a time', async () => {
    const spans: { start: number; end: number }[] = [];
    const run = async (c: WsStudioClient) => {
      let start = 0;
      const out = await c.debugJob(
        { steps: 3, stepMs: 60 },
        {
          onProgress: (p) => {
            if (p.state === 'running' && start === 0) start = performance.now();
          },
        },
      );
      spans.push({ start, end: performance.now() });
      return out.steps;
    };
    const three = [client(), client(), client()];
    const [a, b, c] = await Promise.all([
      ...three.map(run),
      Promise.all(three.map((x) => x.settingsGet({}))),
    ]);
    expect([a, b, c].slice(0, 3)).toEqual([3, 3, 3]);
    spans.sort((x, y) => x.start - y.start);
    for (let i = 1; i < spans.length; i++)
      expect(spans[i]!.start).toBeGreaterThanOrEqual(spans[i - 1]!.end - 30);
  });

  it('cancels a running job when the caller aborts, and a queued one from another client', async () => {
    const a = client();
    const b = client();
    const controller = new AbortController();
    const long = a.debugJob({ steps: 200, stepMs: 20 }, { signal: controller.signal });
    let queuedId = '';
    const queued = a.debugJob(
      { steps: 1, stepMs: 1 },
      {
        onProgress: (p) => {
          queuedId ||= p.jobId;
        },
      },
    );
    const queuedOutcome = queued.catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 200));
    expect((await b.jobsList({})).jobs.map((j) => j.progress.state)).toEqual(['running', 'queued']);
    expect(await b.cancel({ jobId: queuedId })).toEqual({ cancelled: true });
    expect(await queuedOutcome).toMatchObject({ code: 'cancelled' });
    controller.abort();
    await expect(long).rejects.toMatchObject({ code: 'cancelled' });
    expect((await b.jobsList({})).jobs).toEqual([]);
  });

  it('fails the job of a crashed worker with a message, restarts it, and serves the next job', async () => {
    const c = client();
    await c.settingsUpdate({ defaultSteps: 33 });
    const before = await c.debugJob({ steps: 1, stepMs: 0 });
    const err = await c.debugJob({ steps: 20, stepMs: 20, crashAtStep: 5 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'worker-crashed' });
    expect((err as Error).message).toMatch(/restarted/);
    const after = await c.debugJob({ steps: 2, stepMs: 1 });
    expect(after.workerThreadId).not.toBe(before.workerThreadId);
    const info = await c.systemInfo({});
    expect(info.engine.restarts).toBe(1);
    expect((await c.settingsGet({})).defaultSteps).toBe(33);
  });

  it('answers malformed messages with errors and keeps the connection and the server running', async () => {
    const { ws, next } = await rawSocket(wsUrl(server));
    expect((await next(1))?.type).toBe('hello');
    ws.send('{not json');
    expect(await next(2)).toMatchObject({ type: 'error', id: null, error: { code: 'malformed' } });
    ws.send(JSON.stringify({ type: 'call', id: 7 }));
    expect(await next(3)).toMatchObject({ type: 'error', id: 7, error: { code: 'malformed' } });
    ws.send(JSON.stringify({ type: 'call', id: 8, method: 'formatDisk', input: {} }));
    expect(await next(4)).toMatchObject({ type: 'error', id: 8, error: { code: 'unknown-method' } });
    ws.send(JSON.stringify({ type: 'call', id: 9, method: 'debugJob', input: { steps: -1 } }));
    const invalid = await next(5);
    expect(invalid).toMatchObject({ type: 'error', id: 9, error: { code: 'invalid-input' } });
    expect(invalid?.type === 'error' && invalid.error.issues?.[0]?.path).toBe('steps');
    ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await next(6)).toMatchObject({ type: 'error', error: { code: 'malformed' } });
    ws.send(JSON.stringify({ type: 'call', id: 10, method: 'settingsGet' }));
    expect(await next(7)).toMatchObject({ type: 'result', id: 10 });
    ws.close();
  });

  it('serves the page with a strict CSP, library files inside the store only, and POST /api/<method>', async () => {
    const page = await fetch(server.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(await (await fetch(`${server.url}files/ab/picture.png`)).text()).toBe('png bytes');
    for (const [path, status] of [
      ['/files/ab/../../secret.txt', 403],
      ['/files/ab/%2e%2e/%2e%2e/secret.txt', 403],
      ['/files/..%2f..%2fsecret.txt', 403],
      ['/files/%2fetc%2fpasswd', 403],
      ['/files/ab/link.png', 403],
      ['/files/ab/missing.png', 404],
      ['/files/%E0%A4%A', 400],
      ['/files/ab%5c..%5csecret.txt', 400],
    ] as const) {
      expect(await rawGet(server, path), path).toBe(status);
    }
    const post = await fetch(`${server.url}api/settingsGet`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(200);
    expect(((await post.json()) as { output: { theme: string } }).output.theme).toBe('dark');
    const bad = await fetch(`${server.url}api/settingsUpdate`, { method: 'POST', body: '{"theme":"plaid"}' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/theme/);
  });

  it('refuses WebSocket connections from other sites', async () => {
    await expect(rawSocket(wsUrl(server), { origin: 'http://evil.example' })).rejects.toThrow(/403/);
    const own = await rawSocket(wsUrl(server), { origin: server.url.slice(0, -1) });
    own.ws.close();
  });
});

describe('starting on a port', () => {
  it('says the port is taken, instead of crashing, when another server holds it', async () => {
    const port = new URL(server.url).port;
    await expect(
      startStudioServer({
        studio,
        webRoot: null,
        storeRoot: fileStoreRoot(studio.context.dataDir),
        port: Number(port),
      }),
    ).rejects.toThrow(`port ${port} on 127.0.0.1 is already in use`);
    // The first server is unharmed.
    expect((await client(server.url).settingsGet({})).theme).toBe('dark');
  });
});

describe('message size limits', () => {
  let small: StudioServer;
  beforeAll(async () => {
    small = await startStudioServer({
      studio,
      webRoot: null,
      storeRoot: fileStoreRoot(studio.context.dataDir),
      port: 0,
      maxMessageBytes: 64 * 1024,
    });
  });
  afterAll(() => small.close());

  it('closes a socket that sends an oversized message (1009) and keeps serving others', async () => {
    const { ws } = await rawSocket(wsUrl(small));
    const closed = new Promise<number>((resolve) => ws.once('close', resolve));
    ws.send(
      JSON.stringify({ type: 'call', id: 1, method: 'settingsGet', input: { pad: 'x'.repeat(100_000) } }),
    );
    expect(await closed).toBe(1009);
    expect((await client(small.url).settingsGet({})).theme).toBe('dark');
  });

  it('refuses an oversized message in the client before sending it', async () => {
    const c = createWsStudioClient({
      baseUrl: small.url,
      openSocket: (url) => new WebSocket(url) as never,
      maxMessageBytes: 64 * 1024,
    });
    clients.push(c);
    await expect(c.annotate({ kind: 'canny', image: 'A'.repeat(100_000) })).rejects.toMatchObject({
      code: 'too-large',
    });
  });

  it('answers an oversized HTTP body with 413', async () => {
    const res = await fetch(`${small.url}api/settingsGet`, { method: 'POST', body: 'x'.repeat(100_000) });
    expect(res.status).toBe(413);
  });
});

describe('studio server on a non-loopback address', () => {
  let remote: StudioServer;
  beforeAll(async () => {
    remote = await startStudioServer({
      studio,
      webRoot: join(dir, 'web'),
      storeRoot: fileStoreRoot(studio.context.dataDir),
      host: '0.0.0.0',
      port: 0,
    });
  });
  afterAll(() => remote.close());
  const local = () => `http://127.0.0.1:${remote.port}/`;

  it('generates an access token and refuses requests without it or with a wrong one', async () => {
    expect(remote.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect((await fetch(local())).status).toBe(401);
    expect((await fetch(`${local()}?token=wrong`)).status).toBe(401);
    await expect(rawSocket(`ws://127.0.0.1:${remote.port}/api/ws?token=wrong`)).rejects.toThrow(/401/);
    await expect(client(local(), 'wrong-token').settingsGet({})).rejects.toMatchObject({
      code: 'unavailable',
    });
  });

  it('lets the token in: by query (then a cookie), by bearer header, and over the socket', async () => {
    const link = await fetch(`${local()}?token=${remote.token}`, { redirect: 'manual' });
    expect(link.status).toBe(303);
    const cookie = link.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly; SameSite=Strict/);
    const page = await fetch(local(), { headers: { cookie: cookie.split(';')[0]! } });
    expect(page.status).toBe(200);
    const api = await fetch(`${local()}api/settingsGet`, {
      method: 'POST',
      headers: { authorization: `Bearer ${remote.token}` },
    });
    expect(api.status).toBe(200);
    expect((await client(local(), remote.token!).settingsGet({})).theme).toBe('dark');
  });
});
