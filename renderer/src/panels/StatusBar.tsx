import { useEffect, useState } from 'react';
import type { SystemInfo } from '../../../shared/api/system-schemas.ts';
import { useApi, useConnection } from '../api/connection.ts';
import { formatBytes } from '../ui/format.ts';
import { useScene } from '../ui/hooks.ts';
import { useStudio } from '../ui/studio.ts';

const POLL_MS = 4000;

export function StatusBar() {
  const studio = useStudio();
  const connection = useConnection();
  const api = useApi();
  const scene = useScene(studio.scene);
  const [info, setInfo] = useState<SystemInfo | null>(null);

  useEffect(() => {
    if (!api) {
      setInfo(null);
      return;
    }
    let live = true;
    const poll = () =>
      api.systemInfo({}).then(
        (i) => live && setInfo(i),
        () => live && setInfo(null),
      );
    void poll();
    const timer = setInterval(poll, POLL_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [api]);

  const backend = info?.engine.backend;
  return (
    <footer className="status-bar">
      <span className={`dot dot-${connection.status}`} aria-hidden="true" />
      <span>
        {connection.status === 'connected'
          ? `Engine ${info?.engine.state ?? '…'}`
          : connection.status === 'connecting'
            ? 'Connecting…'
            : `Not connected${connection.error ? `: ${connection.error}` : ''}`}
      </span>
      {backend && (
        <span
          title={Object.entries(backend.reasons)
            .map(([k, v]) => `${k}: ${v}`)
            .join('\n')}
        >
          Backend: {backend.chosen}
          {backend.simd ? ' (SIMD)' : ''}
        </span>
      )}
      {info && (
        <span>
          Memory: {formatBytes(info.memory.totalBytes - info.memory.freeBytes)} of{' '}
          {formatBytes(info.memory.totalBytes)} used
          {info.engine.heapUsedBytes !== null
            ? ` · engine heap ${formatBytes(info.engine.heapUsedBytes)}`
            : ''}
          {info.engine.tensors !== null ? ` · ${info.engine.tensors} tensors` : ''}
        </span>
      )}
      <span className="spacer" />
      <span>
        {scene.width}×{scene.height} · {scene.layers.length} layer{scene.layers.length === 1 ? '' : 's'}
      </span>
      {info && <span className="muted">v{info.version}</span>}
    </footer>
  );
}
