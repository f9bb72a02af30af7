// Handlers for settings, models and system information.
import os from 'node:os';
import type { SystemInfo } from '../../../shared/api/system-schemas.ts';
import type { EngineStatus } from '../../jobs/engine-host.ts';
import type { Handler } from '../context.ts';

/** A busy worker answers status between steps; do not keep the caller waiting longer than this. */
const STATUS_WAIT_MS = 500;

export const settingsGet: Handler<'settingsGet'> = async (_params, studio) => studio.settings.get();

export const settingsUpdate: Handler<'settingsUpdate'> = (params, studio) => studio.settings.update(params);

export const systemInfo: Handler<'systemInfo'> = async (_params, studio) => {
  const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), STATUS_WAIT_MS).unref());
  const fresh: EngineStatus | null = await Promise.race([studio.engine.refreshStatus(), timeout]);
  const { state, restarts, lastStatus } = studio.engine.status();
  const status = fresh ?? lastStatus;
  const cpus = os.cpus();
  const info: SystemInfo = {
    version: studio.version,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    mode: studio.mode,
    cpu: { model: cpus[0]?.model.trim() ?? 'unknown', cores: cpus.length },
    memory: { totalBytes: os.totalmem(), freeBytes: os.freemem() },
    engine: {
      state,
      restarts,
      backend: status?.backend ?? null,
      tensors: status?.tensors ?? null,
      tensorBytes: status?.tensorBytes ?? null,
      heapUsedBytes: status?.heapUsedBytes ?? null,
    },
    dataDir: studio.dataDir,
  };
  return info;
};
