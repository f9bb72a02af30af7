// The user's settings: one JSON file in the data folder, validated on read, written atomically.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Settings, type SettingsUpdate } from '../../shared/api/system-schemas.ts';
import { writeFileAtomic } from '../engine/io/atomic-write.ts';

export class SettingsStore {
  readonly file: string;
  private current: Settings;
  /** Why the file on disk was not used, when it was not. */
  readonly problem: string | null = null;

  constructor(dataDir: string) {
    this.file = join(dataDir, 'settings.json');
    const loaded = SettingsStore.load(this.file);
    this.current = loaded.settings;
    this.problem = loaded.problem;
  }

  private static load(file: string): { settings: Settings; problem: string | null } {
    if (!existsSync(file)) return { settings: Settings.parse({}), problem: null };
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      return {
        settings: Settings.parse({}),
        problem: `${file} is not valid JSON (${(err as Error).message}); using defaults`,
      };
    }
    const parsed = Settings.safeParse(raw);
    if (parsed.success) return { settings: parsed.data, problem: null };
    // Keep what is valid: drop only the fields that fail.
    const kept: Record<string, unknown> = { ...(raw as object) };
    for (const issue of parsed.error.issues)
      if (issue.path[0] !== undefined) delete kept[String(issue.path[0])];
    const fields = parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
    const fallback = Settings.safeParse(kept);
    return {
      settings: fallback.success ? fallback.data : Settings.parse({}),
      problem: `${file}: invalid ${fields}; using defaults there`,
    };
  }

  get(): Settings {
    return { ...this.current };
  }

  async update(change: SettingsUpdate): Promise<Settings> {
    const next = Settings.parse({ ...this.current, ...change });
    await writeFileAtomic(this.file, `${JSON.stringify(next, null, 2)}\n`);
    this.current = next;
    return this.get();
  }
}
