import os from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { describeBackend, initBackend, parseBackendPreference } from '../../engine/backend.ts';
import type { CliCommand } from '../command.ts';
import { studioVersion } from '../version.ts';

export const infoCommand: CliCommand = {
  name: 'info',
  summary: 'version, tensor backend (and why not the others), CPU, GPU, memory',
  usage: 'scedit info [--backend auto|tensorflow-gpu|tensorflow|wasm|cpu] [--json]',
  async run(args) {
    const { values } = parseArgs({
      args,
      options: { backend: { type: 'string' }, json: { type: 'boolean', default: false } },
    });
    const setting = parseBackendPreference(values.backend) ?? undefined;
    const report = await initBackend({ setting });
    const cpus = os.cpus();
    const info = {
      version: studioVersion(),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      cpu: { model: cpus[0]?.model.trim() ?? 'unknown', cores: cpus.length },
      memory: { totalBytes: os.totalmem(), freeBytes: os.freemem() },
      gpu: report.chosen === 'tensorflow-gpu' ? 'CUDA device in use' : 'none in use',
      backend: report,
      tfjs: tf.version_core,
    };
    if (values.json) {
      console.log(JSON.stringify(info, null, 2));
      return 0;
    }
    const gib = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;
    console.log(`SCEdit Studio ${info.version} (tfjs ${info.tfjs}, Node ${info.node}, ${info.platform})`);
    console.log(`CPU: ${info.cpu.model}, ${info.cpu.cores} cores`);
    console.log(`memory: ${gib(info.memory.totalBytes)} total, ${gib(info.memory.freeBytes)} free`);
    console.log(`GPU: ${info.gpu}`);
    console.log(describeBackend(report));
    return 0;
  },
};
