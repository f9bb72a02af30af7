import { createContext, useContext } from 'react';
import type { StudioClient } from '../../../shared/api/studio-client.ts';
import { useSmallStore } from '../ui/hooks.ts';
import { SmallStore } from '../ui/small-store.ts';

export interface ConnectionState {
  readonly status: 'connecting' | 'connected' | 'disconnected';
  readonly client: StudioClient | null;
  /** Why there is no connection, in words. */
  readonly error: string | null;
}

export function createConnectionStore(): SmallStore<ConnectionState> {
  return new SmallStore<ConnectionState>({ status: 'connecting', client: null, error: null });
}

export const ConnectionContext = createContext<SmallStore<ConnectionState> | null>(null);

export function useConnection(): ConnectionState {
  const store = useContext(ConnectionContext);
  if (!store) throw new Error('useConnection() outside <ConnectionContext.Provider>');
  return useSmallStore(store);
}

/** The client when connected, else null (panels then show a "not connected" state). */
export function useApi(): StudioClient | null {
  const c = useConnection();
  return c.status === 'connected' ? c.client : null;
}
