import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openStudio } from '../../api/studio.ts';
import { fileStoreRoot } from '../../library/data-dir.ts';
import { startStudioServer } from '../../server/studio-server.ts';
import { type CliCommand, UsageError } from '../command.ts';

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'serve the studio to a browser (127.0.0.1 by default; other addresses need the access token)',
  usage: 'scedit serve [--host 127.0.0.1] [--port 5317] [--data-dir <folder>]',
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '5317' },
        'data-dir': { type: 'string' },
      },
    });
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError(`--port must be 0..65535, got "${values.port}"`);
    const webRoot = fileURLToPath(new URL('../../../out/web', import.meta.url));
    if (!existsSync(webRoot))
      throw new Error(`the studio UI is not built (${webRoot} is missing): run "npm run web"`);
    const studio = openStudio({ mode: 'browser', dataDir: values['data-dir'] });
    const dataDir = studio.context.dataDir;
    let server: Awaited<ReturnType<typeof startStudioServer>>;
    try {
      server = await startStudioServer({
        studio,
        webRoot,
        storeRoot: fileStoreRoot(dataDir),
        host: values.host,
        port,
      });
    } catch (err) {
      await studio.close();
      throw err;
    }
    if (studio.context.settings.problem) console.warn(`warning: ${studio.context.settings.problem}`);
    console.log(`library: ${dataDir}`);
    if (server.token) {
      console.log(`SCEdit Studio is serving at ${server.url}?token=${server.token}`);
      console.log('Open that link once in each browser; the token is shown only now. (Ctrl+C to stop)');
    } else {
      console.log(`SCEdit Studio is serving at ${server.url}  (Ctrl+C to stop)`);
    }
    await new Promise<void>((done) => {
      const stop = () => done();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await server.close();
    await studio.close();
    return 0;
  },
};
