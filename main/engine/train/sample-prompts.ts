// The sample-prompts file of the popular LoRA trainers: one prompt per line, `#` comments, options
// `--n <negative> --w <width> --h <height> --d <seed> --l <guidance> --s <steps>` after the prompt.

export interface SamplePrompt {
  prompt: string;
  negativePrompt?: string;
  width?: number;
  height?: number;
  seed?: number;
  guidance?: number;
  steps?: number;
}

const NUMERIC: Record<string, { key: keyof SamplePrompt; integer: boolean; min: number }> = {
  w: { key: 'width', integer: true, min: 1 },
  h: { key: 'height', integer: true, min: 1 },
  d: { key: 'seed', integer: true, min: 0 },
  l: { key: 'guidance', integer: false, min: 0 },
  s: { key: 'steps', integer: true, min: 1 },
};

/** Parses the file's text; `source` names it in errors (which also give the line number). */
export function parseSamplePrompts(text: string, source = 'sample prompts'): SamplePrompt[] {
  const out: SamplePrompt[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${source} line ${index + 1}`;
    // Split on " --x " option markers; the first part is the prompt.
    const parts = line.split(/\s+--(?=[a-z]\b)/);
    const prompt = parts[0]!.trim();
    const entry: SamplePrompt = { prompt };
    for (const part of parts.slice(1)) {
      const flag = part[0]!;
      const value = part.slice(1).trim();
      if (flag === 'n') {
        entry.negativePrompt = value;
        continue;
      }
      const spec = NUMERIC[flag];
      if (!spec) throw new Error(`${where}: unknown option --${flag} (known: --n --w --h --d --l --s)`);
      const n = Number(value);
      if (value === '' || !Number.isFinite(n) || (spec.integer && !Number.isInteger(n)) || n < spec.min)
        throw new Error(
          `${where}: --${flag} needs ${spec.integer ? 'a whole number' : 'a number'} >= ${spec.min}, got "${value}"`,
        );
      (entry as unknown as Record<string, number>)[spec.key] = n;
    }
    out.push(entry);
  });
  return out;
}
