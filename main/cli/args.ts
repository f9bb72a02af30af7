import { UsageError } from './command.ts';

/** A numeric flag's value, or undefined when the flag was not given. */
export function numberFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n))
    throw new UsageError(`${flag} must be a number, got "${value}"`);
  return n;
}

/** "512" (square) or "512x768" (width x height); undefined when not given. */
export function sizeFlag(
  value: string | undefined,
  flag = '--size',
): { width: number; height: number } | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)(?:x(\d+))?$/i.exec(value.trim());
  if (!m) throw new UsageError(`${flag} must be N or WxH (e.g. 512 or 512x768), got "${value}"`);
  const width = Number(m[1]);
  return { width, height: m[2] === undefined ? width : Number(m[2]) };
}

/** A non-negative whole-number flag (limits, offsets); `fallback` when not given. */
export function countFlag(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n))
    throw new UsageError(`--${name} must be a whole number, got "${text}"`);
  return n;
}
