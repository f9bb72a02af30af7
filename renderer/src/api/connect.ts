// The UI's one way to reach the studio: Electron's bridge when the preload provided it, else the
// WebSocket of the server this page came from.
import {
  createStudioClient,
  type StudioBridge,
  type StudioClient,
} from '../../../shared/api/studio-client.ts';
import { bridgeTransport } from './electron-transport.ts';
import { createWsStudioClient } from './ws-client.ts';

declare global {
  interface Window {
    studio?: StudioBridge;
  }
}

let client: StudioClient | null = null;

export function connectStudio(): StudioClient {
  client ??= window.studio ? createStudioClient(bridgeTransport(window.studio)) : createWsStudioClient();
  return client;
}
