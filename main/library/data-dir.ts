// Where the library lives: the folder the caller names (Electron passes app.getPath('userData')),
// else $SCEDIT_DATA_DIR, else ~/.scedit-studio.
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

export function resolveDataDir(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = explicit ?? env.SCEDIT_DATA_DIR ?? join(homedir(), '.scedit-studio');
  if (chosen.trim() === '') throw new Error('data folder: an empty path was given');
  return isAbsolute(chosen) ? chosen : resolve(chosen);
}

export function libraryDatabasePath(dataDir: string): string {
  return join(dataDir, 'library.db');
}

export function fileStoreRoot(dataDir: string): string {
  return join(dataDir, 'store');
}
