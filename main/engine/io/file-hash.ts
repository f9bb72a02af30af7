import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** sha256 of a file's bytes, hex, streamed (weights files can be gigabytes). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The short model hash the web UIs show: the first 10 hex digits of the file's sha256. */
export function shortHash(sha256: string): string {
  return sha256.slice(0, 10);
}
