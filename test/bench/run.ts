// `npm run bench -- <name> [options]`: runs test/bench/<name>.bench.ts, whose default export is
// `(args: string[]) => Promise<void>`. With no name, lists the benchmarks.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''))
  .sort();

const [name, ...args] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  if (name) console.error(`unknown benchmark "${name}"`);
  console.log(
    `usage: npm run bench -- <name> [options]\nbenchmarks: ${available.join(', ') || '(none yet)'}`,
  );
  process.exit(name ? 2 : 0);
}
const module = (await import(`./${name}.bench.ts`)) as { default: (args: string[]) => Promise<void> };
await module.default(args);
