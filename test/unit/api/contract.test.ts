import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateInput } from '../../../main/api/dispatch.ts';
import { studioHandlers } from '../../../main/api/handlers.ts';
import { ImageBase64 } from '../../../shared/api/common-schemas.ts';
import { deserializeError, StudioError, serializeError } from '../../../shared/api/errors.ts';
import { GenerateRequest } from '../../../shared/api/generation-schemas.ts';
import { isStudioMethodName, STUDIO_METHOD_NAMES, STUDIO_METHODS } from '../../../shared/api/methods.ts';
import type { JobProgress } from '../../../shared/api/progress.ts';
import { createStudioClient, type StudioTransport } from '../../../shared/api/studio-client.ts';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('the StudioApi method table', () => {
  it('has one handler per method, no more, no less', () => {
    expect(Object.keys(studioHandlers).sort()).toEqual([...STUDIO_METHOD_NAMES].sort());
    expect(isStudioMethodName('generate')).toBe(true);
    expect(isStudioMethodName('constructor')).toBe(false);
    expect(isStudioMethodName('__proto__')).toBe(false);
  });

  it('marks exactly the compute methods as queued jobs', () => {
    const jobs = STUDIO_METHOD_NAMES.filter((m) => STUDIO_METHODS[m].job).sort();
    expect(jobs).toEqual(['annotate', 'debugJob', 'generate', 'trainResume', 'trainStart']);
  });

  it('fills defaults and names the field that is wrong', () => {
    const req = GenerateRequest.parse({ prompt: 'a cat' });
    expect(req).toMatchObject({
      steps: 20,
      guidance: 7,
      sampler: 'euler-a',
      seed: null,
      layers: [],
      batchCount: 1,
    });
    const err = (() => {
      try {
        validateInput('generate', { prompt: 'a cat', width: 513, layers: [{ id: 'a', kind: 'canny' }] });
      } catch (e) {
        return e as StudioError;
      }
    })();
    expect(err).toBeInstanceOf(StudioError);
    expect(err!.code).toBe('invalid-input');
    expect(err!.issues!.map((i) => i.path)).toEqual(
      expect.arrayContaining(['width', 'layers.0.image', 'layers.0.tunerId']),
    );
    expect(err!.message).toMatch(/^generate: .*width/);
  });

  it('accepts images as base64 or a data URL, and refuses anything else', () => {
    expect(ImageBase64.parse('data:image/png;base64,iVBORw0K')).toBe('iVBORw0K');
    expect(ImageBase64.parse('iVBORw0K')).toBe('iVBORw0K');
    expect(ImageBase64.safeParse('not base64!').success).toBe(false);
    expect(ImageBase64.safeParse('').success).toBe(false);
  });

  it('serialises errors to code + message and back', () => {
    const back = deserializeError(
      JSON.parse(JSON.stringify(serializeError(new StudioError('not-found', 'gone')))),
    );
    expect(back).toMatchObject({ code: 'not-found', message: 'gone' });
    expect(serializeError(new TypeError('boom'))).toEqual({ code: 'failed', message: 'boom' });
    expect(deserializeError({ code: 'weird', message: 'x' }).code).toBe('failed');
  });
});

describe('shared/ is the contract only', () => {
  it('imports no Node, Electron, React or DOM APIs', () => {
    for (const file of filesUnder('shared')) {
      const text = readFileSync(file, 'utf8');
      const imports = [...text.matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
      for (const spec of imports)
        expect(spec.startsWith('.') || spec === 'zod', `${file} imports ${spec}`).toBe(true);
      const code = text.replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '');
      expect(code, file).not.toMatch(/\b(window|document|process|Buffer|require)\s*[.(]/);
    }
  });
});

describe('StudioClient', () => {
  /** A transport holding one job open until it is cancelled. */
  function jobTransport(log: string[]): StudioTransport {
    let reject: ((e: unknown) => void) | null = null;
    let progress: ((p: JobProgress) => void) | undefined;
    return {
      call(method, input, onProgress) {
        log.push(`${method} ${JSON.stringify(input)}`);
        if (method === 'cancel') {
          reject?.(new StudioError('cancelled', 'cancelled'));
          return Promise.resolve({ cancelled: true });
        }
        progress = onProgress;
        setTimeout(() => progress?.({ jobId: 'job-1', method, state: 'queued' } as JobProgress), 20);
        return new Promise((_resolve, r) => {
          reject = r;
        });
      },
      fileUrl: (f) => `/files/${f.storePath}`,
    };
  }

  it('cancels a job on abort, even before the job id is known', async () => {
    const log: string[] = [];
    const client = createStudioClient(jobTransport(log));
    const controller = new AbortController();
    const pending = client.debugJob({ steps: 5 }, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
    await new Promise((r) => setTimeout(r, 50));
    expect(log).toEqual(['debugJob {"steps":5}', 'cancel {"jobId":"job-1"}']);
  });

  it('refuses to start a call whose signal is already aborted', async () => {
    const log: string[] = [];
    const client = createStudioClient(jobTransport(log));
    await expect(client.debugJob({}, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'cancelled',
    });
    expect(log).toEqual([]);
    expect(client.fileUrl({ storePath: 'ab/cd', mime: 'image/png' })).toBe('/files/ab/cd');
  });
});
