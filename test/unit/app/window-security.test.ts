import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ipcSenderAllowed,
  navigationAllowed,
  newWindowDecision,
  permissionAllowed,
} from '../../../main/app/security.ts';
import { STUDIO_CSP, studioCsp, studioWindowOptions } from '../../../main/app/window-options.ts';

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp.split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name!, values];
    }),
  );
}

describe('the studio window', () => {
  it('is sandboxed and isolated, with no Node in the page', () => {
    const prefs = studioWindowOptions('/app/preload/index.cjs').webPreferences!;
    expect(prefs).toMatchObject({
      preload: '/app/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
    });
  });

  it('has a strict CSP: nothing by default, our own scripts only, no eval, no remote content', () => {
    const csp = directives(STUDIO_CSP);
    expect(csp.get('default-src')).toEqual(["'none'"]);
    expect(csp.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('img-src')).toContain('studio-file:');
    for (const [name, values] of csp) {
      expect(values, name).not.toContain("'unsafe-eval'");
      expect(
        values.some((v) => v.startsWith('http') || v === '*' || v === 'https:'),
        name,
      ).toBe(false);
    }
    expect(csp.get('script-src')).not.toContain("'unsafe-inline'");
  });

  it('allows the dev server (and only it) in development', () => {
    const csp = directives(studioCsp('http://localhost:5173/'));
    expect(csp.get('script-src')).toContain('http://localhost:5173');
    expect(csp.get('connect-src')).toContain('ws://localhost:5173');
    expect(csp.get('default-src')).toEqual(["'none'"]);
  });

  it('blocks navigation away from the studio page and every new window', () => {
    const home = 'file:///opt/scedit/resources/app.asar/out/renderer/index.html';
    expect(navigationAllowed(home, home)).toBe(true);
    expect(navigationAllowed('https://example.com/', home)).toBe(false);
    expect(navigationAllowed('file:///etc/passwd', home)).toBe(false);
    expect(navigationAllowed('http://localhost:5173/other', 'http://localhost:5173/')).toBe(true);
    expect(navigationAllowed('http://localhost:5174/', 'http://localhost:5173/')).toBe(false);
    expect(newWindowDecision('https://arxiv.org/abs/2312.11392')).toEqual({
      action: 'deny',
      openExternally: true,
    });
    expect(newWindowDecision('file:///etc/passwd')).toEqual({ action: 'deny', openExternally: false });
    expect(newWindowDecision('javascript:alert(1)')).toEqual({ action: 'deny', openExternally: false });
  });

  it('denies every permission and answers IPC only for the studio page', () => {
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'hid'])
      expect(permissionAllowed(p)).toBe(false);
    const home = 'file:///app/out/renderer/index.html';
    expect(ipcSenderAllowed(home, home)).toBe(true);
    expect(ipcSenderAllowed('https://evil.example/', home)).toBe(false);
    expect(ipcSenderAllowed(undefined, home)).toBe(false);
  });

  it('main process applies these rules to every web contents (source check)', () => {
    const main = readFileSync('main/app/index.ts', 'utf8');
    for (const hook of ['will-navigate', 'will-redirect', 'will-attach-webview', 'setWindowOpenHandler'])
      expect(main).toContain(hook);
    expect(main).toMatch(/setPermissionRequestHandler\(.*permissionAllowed\(permission\)/);
    expect(main).toMatch(/setPermissionCheckHandler\(.*permissionAllowed\(permission\)/);
  });
});
