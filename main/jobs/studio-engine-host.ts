// The engine worker's EngineHost: each method calls the engine module that does the work.
// Capabilities whose engine module has not landed yet answer "unavailable" with what is missing.
import * as tf from '@tensorflow/tfjs-core';
import { StudioError } from '../../shared/api/errors.ts';
import { backendReport } from '../engine/backend.ts';
import { runAnnotateTask } from './annotate-task.ts';
import type { EngineHost, EngineStatus } from './engine-host.ts';
import { runGenerateTask } from './generate-task.ts';

function notYet(what: string, module: string): never {
  throw new StudioError(
    'unavailable',
    `${what} is not available in this build yet (${module} has not landed)`,
  );
}

export function createStudioEngineHost(): EngineHost {
  return {
    generate: runGenerateTask,
    annotate: runAnnotateTask,
    async trainScan() {
      notYet('training', 'main/engine/train');
    },
    async train() {
      notYet('training', 'main/engine/train');
    },
    async status(): Promise<EngineStatus> {
      const report = backendReport();
      const memory = report ? tf.memory() : null;
      return {
        backend: report
          ? {
              chosen: report.chosen,
              tfBackend: report.tfBackend,
              source: report.source,
              simd: report.simd,
              reasons: { ...report.reasons },
            }
          : null,
        tensors: memory ? memory.numTensors : null,
        tensorBytes: memory ? memory.numBytes : null,
        heapUsedBytes: process.memoryUsage().heapUsed,
      };
    },
  };
}
