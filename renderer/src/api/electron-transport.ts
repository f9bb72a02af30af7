// The StudioApi in the Electron window: the preload's `window.studio` bridge.
import { deserializeError } from '../../../shared/api/errors.ts';
import type { BridgeOutcome, StudioBridge, StudioTransport } from '../../../shared/api/studio-client.ts';

export function bridgeTransport(bridge: StudioBridge): StudioTransport {
  return {
    async call(method, input, onProgress) {
      const fn = bridge[method] as (input: unknown, onProgress?: unknown) => Promise<BridgeOutcome<unknown>>;
      const outcome = await fn(input, onProgress);
      if (outcome.ok) return outcome.output;
      throw deserializeError(outcome.error);
    },
    fileUrl: (file) => bridge.fileUrl(file),
  };
}
