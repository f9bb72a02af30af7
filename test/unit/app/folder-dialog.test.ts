// chooseFolder: refused where there is no desktop (the server for a browser), and in the desktop
// app checked before Electron's dialog opens. The dialog itself needs a screen, so here a
// recording function stands in for dialog.showOpenDialog; everything around it is the real path
// a call takes (dispatchCall: method table, schema, handler).
import { describe, expect, it } from 'vitest';
import type { StudioContext } from '../../../main/api/context.ts';
import { dispatchCall } from '../../../main/api/dispatch.ts';
import { studioHandlers } from '../../../main/api/handlers.ts';
import { chooseFolderHandler, type ShowOpenDialog } from '../../../main/app/folder-dialog.ts';

const browser = { mode: 'browser' } as StudioContext;
const electron = { mode: 'electron' } as StudioContext;

function desktop(answer: { canceled: boolean; filePaths: string[] }) {
  const calls: Parameters<ShowOpenDialog>[0][] = [];
  const show: ShowOpenDialog = async (options) => {
    calls.push(options);
    return answer;
  };
  const handlers = { ...studioHandlers, chooseFolder: chooseFolderHandler(show) };
  return { calls, call: (input: unknown) => dispatchCall(handlers, electron, 'chooseFolder', input) };
}

describe('chooseFolder', () => {
  it('is refused in browser mode with a message that says to type the path', async () => {
    await expect(dispatchCall(studioHandlers, browser, 'chooseFolder', {})).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(/desktop app.*browser mode.*type the folder's path/),
    });
  });

  it('opens a folder dialog and answers the chosen path', async () => {
    const d = desktop({ canceled: false, filePaths: ['/home/me/pictures/ink'] });
    expect(await d.call({ title: 'Training pictures', defaultPath: '/home/me' })).toEqual({
      path: '/home/me/pictures/ink',
    });
    expect(d.calls).toEqual([
      expect.objectContaining({
        title: 'Training pictures',
        defaultPath: '/home/me',
        properties: expect.arrayContaining(['openDirectory']),
      }),
    ]);
    expect(d.calls[0]!.properties).not.toContain('openFile');
  });

  it('says cancelled when the artist closes the dialog', async () => {
    expect(await desktop({ canceled: true, filePaths: [] }).call({})).toEqual({ cancelled: true });
    expect(await desktop({ canceled: false, filePaths: [] }).call({})).toEqual({ cancelled: true });
  });

  it('refuses bad arguments before any dialog opens', async () => {
    const d = desktop({ canceled: false, filePaths: ['/x'] });
    for (const [input, path] of [
      [{ defaultPath: 'relative/folder' }, 'defaultPath'],
      [{ defaultPath: '/a\0b' }, 'defaultPath'],
      [{ title: '' }, 'title'],
      [{ title: 'x'.repeat(201) }, 'title'],
      [{ properties: ['openFile'] }, ''],
      [{ defaultPath: 42 }, 'defaultPath'],
    ] as const) {
      const err = await d.call(input).then(
        () => null,
        (e: unknown) => e as { code: string; issues?: { path: string }[] },
      );
      expect(err, JSON.stringify(input)).toMatchObject({ code: 'invalid-input' });
      expect(err!.issues?.map((i) => i.path)).toContain(path);
    }
    expect(d.calls).toEqual([]);
  });

  it('shows one dialog at a time', async () => {
    let close: (v: { canceled: boolean; filePaths: string[] }) => void = () => {};
    const handlers = {
      ...studioHandlers,
      chooseFolder: chooseFolderHandler(() => new Promise((resolve) => (close = resolve))),
    };
    const first = dispatchCall(handlers, electron, 'chooseFolder', {});
    await expect(dispatchCall(handlers, electron, 'chooseFolder', {})).rejects.toThrow(/already open/);
    close({ canceled: false, filePaths: ['/pics'] });
    expect(await first).toEqual({ path: '/pics' });
    close = () => {};
    const again = dispatchCall(handlers, electron, 'chooseFolder', {});
    close({ canceled: true, filePaths: [] });
    expect(await again).toEqual({ cancelled: true });
  });
});
