// Worker bootstrap for running from TypeScript sources (tsx): Node 20 does not apply
// `--import tsx` from a worker's execArgv before loading the worker's own module.
import { register } from 'tsx/esm/api';

register();
await import('./engine-worker.ts');
