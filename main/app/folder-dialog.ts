// The desktop app's chooseFolder: Electron's open dialog in folder mode. Pure apart from the
// dialog function it is given, so its checks are tested without Electron.
import { isAbsolute } from 'node:path';
import type { OpenDialogOptions, OpenDialogReturnValue } from 'electron';
import type { ChooseFolderRequest, ChooseFolderResult } from '../../shared/api/dialog-schemas.ts';
import { StudioError } from '../../shared/api/errors.ts';
import type { Handler } from '../api/context.ts';

export type ShowOpenDialog = (options: OpenDialogOptions) => Promise<OpenDialogReturnValue>;

/** The dialog's options for a validated request; a start folder must be an absolute path. */
export function folderDialogOptions(request: ChooseFolderRequest): OpenDialogOptions {
  const start = request.defaultPath;
  if (start !== null && (!isAbsolute(start) || start.includes('\0'))) {
    throw new StudioError(
      'invalid-input',
      `chooseFolder: defaultPath must be an absolute path, got ${JSON.stringify(start.slice(0, 200))}`,
      [{ path: 'defaultPath', message: 'must be an absolute path' }],
    );
  }
  return {
    title: request.title,
    buttonLabel: 'Choose',
    properties: ['openDirectory', 'createDirectory', 'dontAddToRecent'],
    ...(start !== null ? { defaultPath: start } : {}),
  };
}

export function folderDialogAnswer(result: OpenDialogReturnValue): ChooseFolderResult {
  const path = result.filePaths[0];
  return result.canceled || !path ? { cancelled: true } : { path };
}

/** One dialog at a time: a page cannot stack dialogs on the artist's screen. */
export function chooseFolderHandler(show: ShowOpenDialog): Handler<'chooseFolder'> {
  let open = false;
  return async (params) => {
    const options = folderDialogOptions(params);
    if (open) throw new StudioError('failed', 'a folder dialog is already open');
    open = true;
    try {
      return folderDialogAnswer(await show(options));
    } finally {
      open = false;
    }
  };
}
