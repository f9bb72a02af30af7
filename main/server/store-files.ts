// Which library file a URL path names. Only regular files inside the file store are served: no
// `..`, no absolute paths, no encoded tricks, no symlinks leading out. Used by the HTTP server
// (/files/...) and by Electron's studio-file: protocol alike.
import { closeSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';

export type StoreFileResolution =
  | { ok: true; path: string }
  | { ok: false; status: 400 | 403 | 404; reason: string };

function inside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/** `urlPath` is the part after the route prefix, still percent-encoded (e.g. "ab/cd%20e.png"). */
export function resolveStoreFile(storeRoot: string, urlPath: string): StoreFileResolution {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath.split(/[?#]/)[0] ?? '');
  } catch {
    return { ok: false, status: 400, reason: 'the path is not valid percent-encoding' };
  }
  if (decoded === '' || decoded.includes('\0') || decoded.includes('\\'))
    return { ok: false, status: 400, reason: 'the path is empty or holds forbidden characters' };
  if (isAbsolute(decoded) || /^[a-zA-Z]:/.test(decoded))
    return { ok: false, status: 403, reason: 'absolute paths are refused' };
  if (decoded.split('/').some((part) => part === '..' || part === '.'))
    return { ok: false, status: 403, reason: 'paths leaving the file store are refused' };
  const root = resolve(storeRoot);
  const full = resolve(root, decoded);
  if (!inside(root, full))
    return { ok: false, status: 403, reason: 'paths leaving the file store are refused' };
  let real: string;
  let realRoot: string;
  try {
    real = realpathSync(full);
    realRoot = realpathSync(root);
  } catch {
    return { ok: false, status: 404, reason: 'no such file in the library' };
  }
  if (!inside(realRoot, real))
    return { ok: false, status: 403, reason: 'links leaving the file store are refused' };
  if (!statSync(real).isFile()) return { ok: false, status: 404, reason: 'no such file in the library' };
  return { ok: true, path: real };
}

/** Store files are named by hash, without extension: the type comes from the first bytes. */
export function sniffMime(head: Uint8Array): string {
  const starts = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (
    starts(0x52, 0x49, 0x46, 0x46) &&
    head[8] === 0x57 &&
    head[9] === 0x45 &&
    head[10] === 0x42 &&
    head[11] === 0x50
  )
    return 'image/webp';
  if (starts(0x42, 0x4d)) return 'image/bmp';
  return 'application/octet-stream';
}

export function storeFileMime(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const head = new Uint8Array(12);
    readSync(fd, head, 0, 12, 0);
    return sniffMime(head);
  } finally {
    closeSync(fd);
  }
}
