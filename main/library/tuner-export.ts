// Exporting a tuner: the stored file with its `__metadata__` rewritten to carry what the library
// knows (name, tags, notes, rating, preferred weight, trigger words; what the library cleared is
// removed). Only the JSON header changes; the tensor bytes are copied as
// they are, so the weights stay bit-identical. Written through a temporary file and a rename.
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const METADATA = '__metadata__';
const COPY_CHUNK = 1 << 20;

export async function writeSafetensorsWithMetadata(
  source: string,
  target: string,
  /** Entries to set; null removes the key (a value the library no longer has). */
  metadata: Record<string, string | null>,
): Promise<void> {
  const input = await open(source, 'r');
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const prefix = Buffer.alloc(8);
    await input.read(prefix, 0, 8, 0);
    const headerLength = Number(prefix.readBigUInt64LE(0));
    const headerBytes = Buffer.alloc(headerLength);
    const { bytesRead } = await input.read(headerBytes, 0, headerLength, 8);
    if (bytesRead !== headerLength) throw new Error(`${source}: truncated safetensors header`);
    const header = JSON.parse(headerBytes.toString('utf8')) as Record<string, unknown>;
    const merged: Record<string, string> = {
      ...((header[METADATA] as Record<string, string> | undefined) ?? {}),
    };
    for (const [key, value] of Object.entries(metadata)) {
      if (value === null) delete merged[key];
      else merged[key] = value;
    }
    // Keep __metadata__ first, as other writers do.
    const { [METADATA]: _old, ...tensors } = header;
    const json = Buffer.from(JSON.stringify({ [METADATA]: merged, ...tensors }), 'utf8');
    const padded = Math.ceil(json.length / 8) * 8;
    const out = await open(temp, 'wx');
    try {
      const head = Buffer.alloc(8 + padded, 0x20);
      head.writeBigUInt64LE(BigInt(padded), 0);
      json.copy(head, 8);
      await out.write(head);
      const buffer = Buffer.allocUnsafe(COPY_CHUNK);
      let position = 8 + headerLength;
      for (;;) {
        const { bytesRead: n } = await input.read(buffer, 0, COPY_CHUNK, position);
        if (n === 0) break;
        await out.write(buffer, 0, n);
        position += n;
      }
      await out.sync();
    } finally {
      await out.close();
    }
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  } finally {
    await input.close();
  }
}
