// Native dialogs belong to the desktop app: main/app replaces this handler with one that opens
// Electron's dialog. Everywhere else (the server for a browser, the CLI) there is no screen on
// the engine's side to show one, so the caller is told to type the path.
import { StudioError } from '../../../shared/api/errors.ts';
import type { Handler } from '../context.ts';

export const chooseFolder: Handler<'chooseFolder'> = async (_params, studio) => {
  throw new StudioError(
    'unavailable',
    `choosing a folder with a dialog needs the desktop app (this studio runs in ${studio.mode} mode); type the folder's path instead`,
  );
};
