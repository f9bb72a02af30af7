import type { StudioClient } from '../../../shared/api/studio-client.ts';
import type { SmallStore } from '../ui/small-store.ts';
import type { ConnectionState } from './connection.ts';

const RETRY_MS = 5000;

/**
 * Says whether the engine answers: a cheap call first, then again whenever it stopped
 * answering, so panels switch between their live and "not connected" states by themselves.
 */
export function monitorConnection(
  store: SmallStore<ConnectionState>,
  connect: () => StudioClient,
): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const probe = async () => {
    let client: StudioClient;
    try {
      client = connect();
      await client.systemInfo({});
      if (!stopped) store.set({ status: 'connected', client, error: null });
    } catch (err) {
      if (!stopped) {
        store.set({
          status: 'disconnected',
          client: null,
          error: err instanceof Error ? err.message : String(err),
        });
      }
    }
    if (!stopped) timer = setTimeout(probe, RETRY_MS);
  };
  void probe();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
