// The StudioApi over HTTP + WebSocket (browser and remote mode): the built UI, library files under
// /files/, single calls as POST /api/<method>, and the full API with progress on /api/ws.
// 127.0.0.1 by default; any other address requires the access token. Messages over the size
// limit are refused, malformed ones answered with an error; the server keeps running either way.

import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { type SerializedStudioError, StudioError, serializeError } from '../../shared/api/errors.ts';
import { STUDIO_METHOD_NAMES } from '../../shared/api/methods.ts';
import {
  API_HTTP_PREFIX,
  API_SOCKET_PATH,
  CallMessage,
  FILES_HTTP_PREFIX,
  MAX_MESSAGE_BYTES,
  type ServerMessage,
} from '../../shared/api/protocol.ts';
import type { Studio } from '../api/studio.ts';
import { studioVersion } from '../cli/version.ts';
import {
  generateAccessToken,
  hostAllowed,
  isLoopbackAddress,
  offeredToken,
  originAllowed,
  TOKEN_COOKIE,
  tokensMatch,
} from './access-token.ts';
import { sendStaticFile } from './static-server.ts';
import { resolveStoreFile, storeFileMime } from './store-files.ts';

export interface StudioServerOptions {
  studio: Studio;
  /** The built renderer (out/web); null serves no UI (API only). */
  webRoot: string | null;
  /** The library's file store, served under /files/. */
  storeRoot: string;
  host?: string;
  port?: number;
  /** Required on non-loopback addresses (generated when not given); optional on loopback. */
  token?: string;
  maxMessageBytes?: number;
}

export interface StudioServer {
  url: string;
  host: string;
  port: number;
  /** The access token, or null when this server needs none (loopback without one). */
  token: string | null;
  close(): Promise<void>;
}

/** CSP for the browser-mode page: our own scripts, our own API socket, library images. */
export const WEB_CSP = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE_HEADERS = {
  'content-security-policy': WEB_CSP,
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

const STATUS_BY_CODE: Record<SerializedStudioError['code'], number> = {
  'invalid-input': 400,
  malformed: 400,
  'unknown-method': 404,
  'not-found': 404,
  cancelled: 409,
  unauthorized: 401,
  'too-large': 413,
  unavailable: 503,
  'worker-crashed': 500,
  failed: 500,
};

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res
    .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
    .end(JSON.stringify(body));
}

function sendError(res: ServerResponse, error: SerializedStudioError): void {
  sendJson(res, STATUS_BY_CODE[error.code], { error });
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      reject(
        new StudioError('too-large', `request body of ${declared} bytes is over the ${limit}-byte limit`),
      );
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new StudioError('too-large', `request body is over the ${limit}-byte limit`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startStudioServer(options: StudioServerOptions): Promise<StudioServer> {
  const host = options.host ?? '127.0.0.1';
  const loopback = isLoopbackAddress(host);
  const token = options.token ?? (loopback ? null : generateAccessToken());
  const limit = options.maxMessageBytes ?? MAX_MESSAGE_BYTES;
  const { studio, webRoot, storeRoot } = options;

  const authorised = (req: IncomingMessage) => token === null || tokensMatch(token, offeredToken(req));

  async function handleApiPost(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    let input: unknown;
    try {
      const body = await readBody(req, limit);
      input = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    } catch (err) {
      const error =
        err instanceof StudioError
          ? err.toJSON()
          : { code: 'malformed' as const, message: 'the body is not JSON' };
      res.setHeader('connection', 'close');
      sendError(res, error);
      return;
    }
    try {
      sendJson(res, 200, { output: await studio.call(method, input) });
    } catch (err) {
      sendError(res, serializeError(err));
    }
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://studio');
    if (!hostAllowed(req, loopback)) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end('misdirected request: unexpected Host header');
      return;
    }
    if (!authorised(req)) {
      sendError(res, {
        code: 'unauthorized',
        message: 'this studio needs its access token: open the link "scedit serve" printed (…/?token=…)',
      });
      return;
    }
    // A valid ?token= link: remember it in a cookie so images and the socket carry it, then drop it from the URL.
    if (token !== null && url.searchParams.has('token') && req.method === 'GET') {
      url.searchParams.delete('token');
      res
        .writeHead(303, {
          'set-cookie': `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`,
          location: url.pathname + url.search,
        })
        .end();
      return;
    }
    if (url.pathname.startsWith(API_HTTP_PREFIX) && url.pathname !== API_SOCKET_PATH) {
      if (req.method !== 'POST') {
        res.writeHead(405, { allow: 'POST', 'content-type': 'text/plain' }).end('use POST');
        return;
      }
      if (!originAllowed(req)) {
        sendError(res, { code: 'unauthorized', message: 'requests from other sites are refused' });
        return;
      }
      void handleApiPost(req, res, url.pathname.slice(API_HTTP_PREFIX.length));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET', 'content-type': 'text/plain' }).end('method not allowed');
      return;
    }
    // The raw path, not the URL-normalised one: "/files/../x" must be refused, not turned into "/x".
    const rawPath = (req.url ?? '/').split(/[?#]/)[0]!;
    if (rawPath.startsWith(FILES_HTTP_PREFIX)) {
      const found = resolveStoreFile(storeRoot, rawPath.slice(FILES_HTTP_PREFIX.length));
      if (!found.ok) {
        res.writeHead(found.status, { 'content-type': 'text/plain' }).end(found.reason);
        return;
      }
      res.writeHead(200, {
        'content-type': storeFileMime(found.path),
        'x-content-type-options': 'nosniff',
        'cache-control': 'private, max-age=31536000, immutable',
      });
      createReadStream(found.path).pipe(res);
      return;
    }
    if (webRoot === null) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('this server has no UI (API only)');
      return;
    }
    sendStaticFile(webRoot, url.pathname, res, PAGE_HEADERS);
  });

  const wss = new WebSocketServer({
    server,
    path: API_SOCKET_PATH,
    maxPayload: limit,
    verifyClient: ({ req }, done) => {
      if (!hostAllowed(req, loopback)) return done(false, 421, 'unexpected Host header');
      if (!originAllowed(req)) return done(false, 403, 'connections from other sites are refused');
      if (!authorised(req)) return done(false, 401, 'missing or wrong access token');
      done(true);
    },
  });

  wss.on('connection', (ws: WebSocket) => {
    const send = (message: ServerMessage) => {
      if (ws.readyState !== ws.OPEN) return;
      // A slow reader: drop intermediate progress (results and errors always go out).
      if (message.type === 'progress' && ws.bufferedAmount > 8 * 2 ** 20) return;
      ws.send(JSON.stringify(message));
    };
    send({ type: 'hello', version: studioVersion(), methods: STUDIO_METHOD_NAMES });
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        send({
          type: 'error',
          id: null,
          error: { code: 'malformed', message: 'binary messages are not understood; send JSON text' },
        });
        return;
      }
      let raw: unknown;
      try {
        raw = JSON.parse(data.toString());
      } catch {
        send({ type: 'error', id: null, error: { code: 'malformed', message: 'the message is not JSON' } });
        return;
      }
      const parsed = CallMessage.safeParse(raw);
      if (!parsed.success) {
        const id =
          typeof raw === 'object' && raw && 'id' in raw && Number.isInteger(raw.id) ? Number(raw.id) : null;
        send({
          type: 'error',
          id,
          error: {
            code: 'malformed',
            message: 'expected {"type":"call","id":<integer>,"method":<name>,"input":{…}}',
          },
        });
        return;
      }
      const { id, method, input } = parsed.data;
      studio
        .call(method, input, (progress) => send({ type: 'progress', id, progress }))
        .then(
          (output) => send({ type: 'result', id, output }),
          (err: unknown) => send({ type: 'error', id, error: serializeError(err) }),
        );
    });
    ws.on('error', () => ws.terminate());
  });

  // ws re-emits the HTTP server's errors; the listen below reports them, once.
  wss.on('error', () => {});
  const wantedPort = options.port ?? 5317;
  await new Promise<void>((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) => {
      wss.close();
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(
              `port ${wantedPort} on ${host} is already in use (another studio serving there?): stop it or choose another with --port`,
            )
          : err,
      );
    };
    server.once('error', failed);
    server.listen(wantedPort, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/`,
    host,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
