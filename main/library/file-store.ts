// Content-addressed file store: a file's name is the sha256 of its bytes, sharded by its first two
// hex digits (store/ab/abcd…). Storing the same bytes twice keeps one copy. Files arrive through a
// temporary file in store/.incoming, are flushed, then renamed into place, so a crash leaves either
// no file or a complete one (leftover temporaries are swept on open). Paths are only ever built
// from validated hashes; a relative path from outside is resolved with resolveInStore, which
// refuses `..`, absolute paths and symlinks that lead out of the store.
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  realpathSync,
  rmSync,
} from 'node:fs';
import { link, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';

const HASH = /^[0-9a-f]{64}$/;
const INCOMING = '.incoming';
const COPY_CHUNK = 1 << 20;

export class FileStoreError extends Error {}

export interface StoredFile {
  hash: string;
  size: number;
  /** False when the store already held these bytes. */
  added: boolean;
}

export interface PutOptions {
  /** Called after each chunk written to the temporary file, with the bytes written so far. */
  onProgress?: (bytesWritten: number) => void;
}

export function isSha256Hex(value: string): boolean {
  return HASH.test(value);
}

function fsyncDir(dir: string): void {
  // Makes the rename itself durable; not possible on every platform, and not needed for consistency.
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {}
}

export class FileStore {
  readonly root: string;
  readonly #incoming: string;

  constructor(root: string) {
    this.root = root;
    this.#incoming = join(root, INCOMING);
    mkdirSync(this.#incoming, { recursive: true });
  }

  /** Where the file with this hash lives (whether or not it exists). */
  pathOf(hash: string): string {
    if (!isSha256Hex(hash)) throw new FileStoreError(`"${hash}" is not a sha256 hex digest`);
    return join(this.root, hash.slice(0, 2), hash);
  }

  /** True when a complete regular file with this hash is present (symlinks do not count). */
  has(hash: string): boolean {
    try {
      return lstatSync(this.pathOf(hash)).isFile();
    } catch {
      return false;
    }
  }

  /** Copies a file into the store, hashing while it copies. */
  async putFile(source: string, options: PutOptions = {}): Promise<StoredFile> {
    let input: Awaited<ReturnType<typeof open>>;
    try {
      input = await open(source, 'r');
    } catch (err) {
      throw new FileStoreError(`${source}: cannot be read (${(err as NodeJS.ErrnoException).code ?? err})`);
    }
    try {
      if (!(await input.stat()).isFile()) throw new FileStoreError(`${source}: is not a regular file`);
      return await this.#write(async (write) => {
        const buffer = Buffer.allocUnsafe(COPY_CHUNK);
        for (;;) {
          const { bytesRead } = await input.read(buffer, 0, COPY_CHUNK, null);
          if (bytesRead === 0) break;
          await write(buffer.subarray(0, bytesRead));
        }
      }, options);
    } finally {
      await input.close();
    }
  }

  async putBytes(bytes: Uint8Array, options: PutOptions = {}): Promise<StoredFile> {
    return this.#write(async (write) => {
      for (let at = 0; at < bytes.length; at += COPY_CHUNK) await write(bytes.subarray(at, at + COPY_CHUNK));
    }, options);
  }

  async #write(
    produce: (write: (chunk: Uint8Array) => Promise<void>) => Promise<void>,
    options: PutOptions,
  ): Promise<StoredFile> {
    const temp = join(this.#incoming, `${process.pid}-${randomBytes(6).toString('hex')}.part`);
    const out = await open(temp, 'wx');
    const hasher = createHash('sha256');
    let size = 0;
    try {
      await produce(async (chunk) => {
        hasher.update(chunk);
        let done = 0;
        while (done < chunk.length) done += (await out.write(chunk, done, chunk.length - done)).bytesWritten;
        size += chunk.length;
        options.onProgress?.(size);
      });
      await out.sync();
    } catch (err) {
      await out.close();
      await rm(temp, { force: true });
      throw err;
    }
    await out.close();
    const hash = hasher.digest('hex');
    const target = this.pathOf(hash);
    try {
      if (this.has(hash)) return { hash, size, added: false };
      await mkdir(join(this.root, hash.slice(0, 2)), { recursive: true });
      // link() fails if another writer got there first, where rename() would replace its file.
      try {
        await link(temp, target);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') return { hash, size, added: false };
        if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV') throw err;
        await rename(temp, target);
      }
      fsyncDir(join(this.root, hash.slice(0, 2)));
      return { hash, size, added: true };
    } finally {
      await rm(temp, { force: true });
    }
  }

  /** Removes a stored file (no error when it is already gone). */
  remove(hash: string): void {
    rmSync(this.pathOf(hash), { force: true });
  }

  /** Recomputes a stored file's sha256; false when it is missing or its bytes changed. */
  async verify(hash: string): Promise<boolean> {
    if (!this.has(hash)) return false;
    const handle = await open(this.pathOf(hash), 'r');
    try {
      const hasher = createHash('sha256');
      for await (const chunk of handle.createReadStream()) hasher.update(chunk as Buffer);
      return hasher.digest('hex') === hash;
    } finally {
      await handle.close();
    }
  }

  async sizeOf(hash: string): Promise<number> {
    return (await stat(this.pathOf(hash))).size;
  }

  /** Every hash-named file in the store, plus entries that do not belong there. */
  scan(): { hashes: string[]; strays: string[] } {
    const hashes: string[] = [];
    const strays: string[] = [];
    for (const shard of readdirSync(this.root, { withFileTypes: true })) {
      if (shard.name === INCOMING) continue;
      const shardPath = join(this.root, shard.name);
      if (!shard.isDirectory() || !/^[0-9a-f]{2}$/.test(shard.name)) {
        strays.push(shard.name);
        continue;
      }
      for (const entry of readdirSync(shardPath, { withFileTypes: true })) {
        if (entry.isFile() && isSha256Hex(entry.name) && entry.name.startsWith(shard.name))
          hashes.push(entry.name);
        else strays.push(join(shard.name, entry.name));
      }
    }
    return { hashes, strays };
  }

  /** Deletes temporaries left by writes that never finished (a crash); returns how many. */
  sweepIncoming(): number {
    let removed = 0;
    for (const name of readdirSync(this.#incoming)) {
      rmSync(join(this.#incoming, name), { force: true, recursive: true });
      removed++;
    }
    return removed;
  }

  /**
   * Resolves a path given relative to the store (e.g. from an HTTP request) to a file inside it.
   * Refuses absolute paths, `..`, anything in .incoming, and symlinks that lead outside the store.
   */
  resolveInStore(relativePath: string): string {
    return resolveInside(this.root, relativePath, 'file store');
  }

  hasIncoming(): boolean {
    return existsSync(this.#incoming) && readdirSync(this.#incoming).length > 0;
  }
}

/**
 * `root/relativePath`, guaranteed to stay under root after following symlinks. Throws an Error
 * naming the path and why it was refused.
 */
export function resolveInside(root: string, relativePath: string, what = 'folder'): string {
  const refuse = (why: string): never => {
    throw new FileStoreError(`path "${relativePath}" is refused: ${why}`);
  };
  if (relativePath === '' || relativePath.includes('\0')) refuse('empty or contains a NUL byte');
  if (isAbsolute(relativePath) || /^[a-zA-Z]:/.test(relativePath) || relativePath.startsWith('\\'))
    refuse(`absolute paths are not allowed in the ${what}`);
  const parts = relativePath.split(/[\\/]+/);
  if (parts.includes('..')) refuse(`".." is not allowed in the ${what}`);
  if (parts[0] === INCOMING) refuse('unfinished files are not readable');
  const candidate = join(root, ...parts);
  let real: string;
  try {
    real = realpathSync(candidate);
  } catch {
    refuse(`no such file in the ${what}`);
    throw new Error('unreachable');
  }
  const realRoot = realpathSync(root);
  const rel = relative(realRoot, real);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel))
    refuse(`it leads outside the ${what}`);
  return real;
}
