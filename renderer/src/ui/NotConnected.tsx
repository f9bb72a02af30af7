import { useConnection } from '../api/connection.ts';

/** Shown by panels that need the engine while there is none: honest, never fake data. */
export function NotConnected({ what }: { what: string }) {
  const c = useConnection();
  return (
    <p className="not-connected" role="status">
      {c.status === 'connecting'
        ? `Connecting to the studio engine… (${what} will appear here)`
        : `Not connected to the studio engine, so ${what} is unavailable.`}
      {c.error && <span className="muted"> {c.error}</span>}
    </p>
  );
}
