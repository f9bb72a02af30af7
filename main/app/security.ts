// The Electron window's rules, as pure functions the tests check: which navigations, windows,
// permissions and IPC senders are allowed (hardly any).

/** The one page the window may show: the built renderer file, or the dev server in development. */
export function isStudioPage(url: string, rendererUrl: string): boolean {
  try {
    const target = new URL(url);
    const home = new URL(rendererUrl);
    if (home.protocol === 'file:') return target.protocol === 'file:' && target.pathname === home.pathname;
    return target.origin === home.origin;
  } catch {
    return false;
  }
}

/** In-page navigation away from the studio is never allowed (reloads of the page itself are). */
export function navigationAllowed(url: string, rendererUrl: string): boolean {
  return isStudioPage(url, rendererUrl);
}

/** window.open / target=_blank: never a new window; https links go to the user's browser. */
export function newWindowDecision(url: string): { action: 'deny'; openExternally: boolean } {
  let external = false;
  try {
    external = new URL(url).protocol === 'https:';
  } catch {
    external = false;
  }
  return { action: 'deny', openExternally: external };
}

/** Camera, microphone, notifications, geolocation...: the studio needs none. */
export function permissionAllowed(_permission: string): boolean {
  return false;
}

/** IPC is answered only for frames showing the studio page. */
export function ipcSenderAllowed(senderUrl: string | undefined, rendererUrl: string): boolean {
  return typeof senderUrl === 'string' && isStudioPage(senderUrl, rendererUrl);
}
