// Access control for the HTTP/WebSocket server. On loopback the studio is open to this machine
// (with Origin and Host checks against other web pages and DNS rebinding); on any other address
// every request needs the access token, generated at start and shown once.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_COOKIE = 'scedit_token';

export function generateAccessToken(): string {
  return randomBytes(24).toString('base64url');
}

export function isLoopbackAddress(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

export function tokensMatch(expected: string, given: string | null | undefined): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return null;
}

/** The token a request offers: Authorization: Bearer, the cookie, or ?token= in the URL. */
export function offeredToken(req: IncomingMessage): string | null {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const cookie = cookieValue(req.headers.cookie, TOKEN_COOKIE);
  if (cookie) return cookie;
  return new URL(req.url ?? '/', 'http://x').searchParams.get('token');
}

/**
 * A browser page from another site may open a WebSocket to 127.0.0.1 too; only our own pages (same
 * host as the request names) are let in. Clients that are not browsers send no Origin.
 */
export function originAllowed(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** On loopback, a Host header naming another machine means DNS rebinding: refuse it. */
export function hostAllowed(req: IncomingMessage, listeningOnLoopback: boolean): boolean {
  if (!listeningOnLoopback) return true;
  const host = req.headers.host;
  if (!host) return false;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
  return isLoopbackAddress(name);
}
