// The engine worker's EngineHost: each method calls the engine module that does the work.
import * as tf from '@tensorflow/tfjs-core';
import { backendReport } from '../engine/backend.ts';
import { runAnnotateTask } from './annotate-task.ts';
import type { EngineHost, EngineStatus } from './engine-host.ts';
import { runGenerateTask, runModelsTask } from './generate-task.ts';
import { runTrainScanTask, runTrainTask } from './train-task.ts';

export function createStudioEngineHost(): EngineHost {
  return {
    generate: runGenerateTask,
    models: runModelsTask,
    annotate: runAnnotateTask,
    trainScan: (req) => runTrainScanTask(req),
    train: runTrainTask,
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
