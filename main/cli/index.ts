// Entry of the `scedit` command: dispatches to one module per sub-command.
import type { CliCommand } from './command.ts';
import { UsageError } from './command.ts';
import { annotateCommand } from './commands/annotate.ts';
import { datasetCommand } from './commands/dataset.ts';
import { generateCommand } from './commands/generate.ts';
import { historyCommand } from './commands/history.ts';
import { infoCommand } from './commands/info.ts';
import { serveCommand } from './commands/serve.ts';
import { trainCommand } from './commands/train.ts';
import { tunersCommand } from './commands/tuners.ts';
import { studioVersion } from './version.ts';

const commands: CliCommand[] = [
  infoCommand,
  generateCommand,
  serveCommand,
  datasetCommand,
  tunersCommand,
  historyCommand,
  annotateCommand,
  trainCommand,
];

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `scedit ${studioVersion()} — SCEdit Studio from the command line`,
    '',
    'usage: scedit <command> [options]',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'scedit <command> --help' for a command's options.",
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    console.log(studioVersion());
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`scedit: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`${command.summary}\n\nusage: ${command.usage}`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (
      err instanceof UsageError ||
      (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      console.error(`scedit ${command.name}: ${err.message}\nusage: ${command.usage}`);
      return 2;
    }
    console.error(`scedit ${command.name}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}
