import type { BrowserWindowConstructorOptions } from 'electron';
import { FILE_PROTOCOL } from '../../shared/api/protocol.ts';

/** The studio window's options: sandboxed, isolated, no Node in the renderer. */
export function studioWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    backgroundColor: '#17181c',
    title: 'SCEdit Studio',
    show: false,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
    },
  };
}

/**
 * Content-Security-Policy for every renderer response: our own code and library images only.
 * `devServer` (electron-vite dev) adds that one origin and the inline preamble React refresh needs.
 */
export function studioCsp(devServer?: string): string {
  const dev = devServer ? new URL(devServer).origin : null;
  const self = dev ? `'self' ${dev}` : "'self'";
  return [
    "default-src 'none'",
    `script-src ${self}${dev ? " 'unsafe-inline'" : ''} 'wasm-unsafe-eval'`,
    `style-src ${self} 'unsafe-inline'`,
    `img-src ${self} data: blob: ${FILE_PROTOCOL}:`,
    `font-src ${self}`,
    `connect-src ${self}${dev ? ` ${dev.replace(/^http/, 'ws')}` : ''} ${FILE_PROTOCOL}:`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "frame-src 'none'",
  ].join('; ');
}

export const STUDIO_CSP = studioCsp();
