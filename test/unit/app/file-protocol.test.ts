import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveStudioFileUrl } from '../../../main/app/file-protocol.ts';

let dir: string;
let store: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'scedit-protocol-'));
  store = join(dir, 'store');
  mkdirSync(join(store, 'images', 'ab'), { recursive: true });
  writeFileSync(join(store, 'images', 'ab', 'abcdef.png'), 'png');
  writeFileSync(join(dir, 'library.db'), 'not for the page');
  symlinkSync(join(dir, 'library.db'), join(store, 'images', 'ab', 'db.png'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the studio-file: protocol', () => {
  it('serves a file inside the file store', () => {
    const found = resolveStudioFileUrl(store, 'studio-file://library/images/ab/abcdef.png');
    expect(found).toEqual({ ok: true, path: join(store, 'images', 'ab', 'abcdef.png') });
  });

  it.each([
    ['studio-file://library/../library.db', 403],
    ['studio-file://library/images/../../library.db', 403],
    ['studio-file://library/%2e%2e/library.db', 403],
    ['studio-file://library/..%2Flibrary.db', 403],
    ['studio-file://library/%2Fetc%2Fpasswd', 403],
    ['studio-file://library/C:%5CWindows%5Cwin.ini', 400],
    ['studio-file://library/images/ab/db.png', 403],
    ['studio-file://library/images%00.png', 400],
    ['studio-file://library/images', 404],
    ['studio-file://library/images/ab/missing.png', 404],
    ['studio-file://library/', 400],
    ['studio-file://elsewhere/images/ab/abcdef.png', 403],
    ['file:///etc/passwd', 400],
  ])('refuses %s (%i)', (url, status) => {
    const found = resolveStudioFileUrl(store, url);
    expect(found.ok).toBe(false);
    if (!found.ok) expect(found.status).toBe(status);
  });
});
