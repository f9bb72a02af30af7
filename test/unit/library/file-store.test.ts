import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStore, resolveInside } from '../../../main/library/file-store.ts';
import { tempDir } from './tuner-fixture.ts';

let t: ReturnType<typeof tempDir>;
let store: FileStore;
beforeEach(() => {
  t = tempDir();
  store = new FileStore(join(t.dir, 'store'));
});
afterEach(() => t.cleanup());

const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

describe('FileStore', () => {
  it('names files by sha256 in two-digit shards, and stores identical bytes once', async () => {
    const bytes = Buffer.from('tuner weights');
    const a = await store.putBytes(bytes);
    expect(a).toEqual({ hash: sha(bytes), size: bytes.length, added: true });
    expect(store.pathOf(a.hash)).toBe(join(t.dir, 'store', a.hash.slice(0, 2), a.hash));
    const source = join(t.dir, 'copy.bin');
    writeFileSync(source, bytes);
    const b = await store.putFile(source);
    expect(b).toEqual({ ...a, added: false });
    expect(store.scan()).toEqual({ hashes: [a.hash], strays: [] });
    expect(readFileSync(store.pathOf(a.hash))).toEqual(bytes);
    expect(store.hasIncoming()).toBe(false);
  });

  it('copies large files in chunks, reporting progress, and verifies content', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 5, 7);
    const source = join(t.dir, 'big.bin');
    writeFileSync(source, big);
    const seen: number[] = [];
    const r = await store.putFile(source, { onProgress: (n) => seen.push(n) });
    expect(r.hash).toBe(sha(big));
    expect(seen.length).toBe(4);
    expect(seen.at(-1)).toBe(big.length);
    expect(await store.verify(r.hash)).toBe(true);
    writeFileSync(store.pathOf(r.hash), 'tampered');
    expect(await store.verify(r.hash)).toBe(false);
  });

  it('leaves no temporary behind when the source cannot be read', async () => {
    await expect(store.putFile(join(t.dir, 'absent'))).rejects.toThrow(/absent: cannot be read \(ENOENT\)/);
    await expect(store.putFile(t.dir)).rejects.toThrow(/is not a regular file/);
    expect(store.hasIncoming()).toBe(false);
  });

  it('only builds paths from real hashes', () => {
    expect(() => store.pathOf('../../etc/passwd')).toThrow(/not a sha256/);
    expect(() => store.pathOf('A'.repeat(64))).toThrow(/not a sha256/);
  });

  it('refuses .., absolute paths, unfinished files and symlinks leading out of the store', async () => {
    const r = await store.putBytes(Buffer.from('x'));
    expect(store.resolveInStore(`${r.hash.slice(0, 2)}/${r.hash}`)).toBe(store.pathOf(r.hash));
    expect(() => store.resolveInStore('../library.db')).toThrow(/"\.\." is not allowed/);
    expect(() => store.resolveInStore(`${r.hash.slice(0, 2)}/../../secret`)).toThrow(/"\.\." is not allowed/);
    expect(() => store.resolveInStore('/etc/passwd')).toThrow(/absolute paths are not allowed/);
    expect(() => store.resolveInStore('C:\\Windows\\win.ini')).toThrow(/absolute paths/);
    expect(() => store.resolveInStore('.incoming/123.part')).toThrow(/unfinished/);
    expect(() => store.resolveInStore('ab/nothing')).toThrow(/no such file/);
    writeFileSync(join(t.dir, 'secret'), 'outside');
    mkdirSync(join(t.dir, 'store', 'ee'), { recursive: true });
    symlinkSync(join(t.dir, 'secret'), join(t.dir, 'store', 'ee', 'link'));
    symlinkSync(t.dir, join(t.dir, 'store', 'ee', 'dirlink'));
    expect(() => store.resolveInStore('ee/link')).toThrow(/leads outside the file store/);
    expect(() => store.resolveInStore('ee/dirlink/secret')).toThrow(/leads outside the file store/);
    expect(() => resolveInside(t.dir, 'store')).not.toThrow();
    // a symlink planted under a hash name is not a stored file
    const fake = 'f'.repeat(64);
    mkdirSync(join(t.dir, 'store', 'ff'));
    symlinkSync(join(t.dir, 'secret'), join(t.dir, 'store', 'ff', fake));
    expect(store.has(fake)).toBe(false);
    expect(store.scan().strays.sort()).toEqual(['ee/dirlink', 'ee/link', `ff/${fake}`]);
  });

  it('sweeps temporaries left by an interrupted write', () => {
    writeFileSync(join(t.dir, 'store', '.incoming', '999-abc.part'), 'half a file');
    expect(store.hasIncoming()).toBe(true);
    expect(store.sweepIncoming()).toBe(1);
    expect(store.hasIncoming()).toBe(false);
  });
});
