// The StudioApi in the Electron window: the preload's `window.studio` bridge.
import type { StudioBridge, StudioTransport } from '../../../shared/api/studio-client.ts';

export function bridgeTransport(bridge: StudioBridge): StudioTransport {
  return {
    call(method, input, onProgress) {
      const fn = bridge[method] as (input: unknown, onProgress?: unknown) => Promise<unknown>;
      return fn(input, onProgress);
    },
    fileUrl: (file) => bridge.fileUrl(file),
  };
}
