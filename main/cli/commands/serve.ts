import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createStaticServer } from '../../server/static-server.ts';
import { type CliCommand, UsageError } from '../command.ts';

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'serve the studio to a browser (127.0.0.1 by default)',
  usage: 'scedit serve [--host 127.0.0.1] [--port 5317]',
  async run(args) {
    const { values } = parseArgs({
      args,
      options: { host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '5317' } },
    });
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError(`--port must be 0..65535, got "${values.port}"`);
    const root = fileURLToPath(new URL('../../../out/web', import.meta.url));
    if (!existsSync(root))
      throw new Error(`the studio UI is not built (${root} is missing): run "npm run web"`);
    const server = createStaticServer(root);
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(port, values.host, ok);
    });
    const address = server.address();
    const actualPort = typeof address === 'object' && address ? address.port : port;
    console.log(`SCEdit Studio is serving at http://${values.host}:${actualPort}/  (Ctrl+C to stop)`);
    await new Promise<void>((done) => {
      const stop = () => server.close(() => done());
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  },
};
