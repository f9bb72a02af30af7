// Run by durability.test.ts in a child process that kills itself with SIGKILL at a chosen point:
//   node --import tsx crash-child.ts import <dataDir> <tunerFile> <copy|stored|inserting>
//   node --import tsx crash-child.ts churn <dataDir>     (writes until the parent kills it)
// and by concurrency.test.ts as the trainer writing progress for a while:
//   node --import tsx crash-child.ts trainer <dataDir> <runId> <milliseconds>
import { encodePng } from '../../../main/engine/io/image.ts';
import { Library } from '../../../main/library/library.ts';

const [mode, dataDir, tunerFile, point] = process.argv.slice(2);
const die = (): never => {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
};

const lib = Library.open({ dataDir: dataDir!, checkIntegrity: false });
if (mode === 'import') {
  await lib.importTuner(tunerFile!, {
    tags: ['a', 'b', 'c'],
    onProgress: (bytes) => {
      if (point === 'copy' && bytes >= 1 << 20) die();
    },
    onStage: (stage) => {
      if (stage === point) die();
    },
  });
  console.log('finished without being killed');
} else if (mode === 'trainer') {
  const run = Number(tunerFile);
  const until = Date.now() + Number(point);
  let step = 0;
  lib.trainingRuns.start(run);
  while (Date.now() < until) {
    step++;
    lib.trainingRuns.progress(run, step, [{ step, loss: 1 / step }]);
    if (step % 50 === 0) lib.trainingRuns.checkpoint(run, `runs/${run}/step-${step}.safetensors`, step);
  }
  lib.trainingRuns.complete(run);
  console.log(JSON.stringify({ steps: step }));
} else if (mode === 'churn') {
  const run = lib.trainingRuns.create({ name: 'churn', kind: 'sc', totalSteps: 1_000_000 });
  lib.trainingRuns.start(run);
  for (let i = 0; ; i++) {
    const png = await encodePng({ width: 8, height: 8, data: new Uint8ClampedArray(256).fill(i % 256) });
    await lib.recordGeneration({
      png,
      recipe: {
        prompt: `picture ${i}`,
        seed: i,
        sampler: 'DDIM',
        steps: 10,
        guidance: 5,
        width: 8,
        height: 8,
        baseModel: { name: 'tiny', hash: 'b'.repeat(64) },
        tuners: [{ name: 't', hash: 'a'.repeat(64), kind: 'sc', weight: 1 }],
      },
    });
    // losses arrive in batches of 100; a batch is all or nothing
    lib.trainingRuns.progress(
      run,
      (i + 1) * 100,
      Array.from({ length: 100 }, (_, k) => ({ step: i * 100 + k + 1, loss: 1 / (i + k + 1) })),
    );
    console.log(`written ${i}`);
  }
}
