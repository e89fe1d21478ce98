// The `neon` command line: one file per command under cli/, dispatched by name here.
import type { Command } from './command.ts';
import { UsageError } from './flags.ts';
import { FolderLockedError } from '../shared/files/folder-lock.ts';

type Loader = () => Promise<Command>;

const commands: Record<string, Loader> = {
  'check-model': async () => (await import('./check-model.ts')).checkModelCommand,
  db: async () => (await import('./db.ts')).dbCommand,
  fid: async () => (await import('./fid.ts')).fidCommand,
  import: async () => (await import('./import.ts')).importCommand,
  export: async () => (await import('./export.ts')).exportCommand,
  merge: async () => (await import('./merge.ts')).mergeCommand,
  run: async () => (await import('./run.ts')).runCommand,
  sample: async () => (await import('./sample.ts')).sampleCommand,
  serve: async () => (await import('./serve.ts')).serveCommand,
  stats: async () => (await import('./stats.ts')).statsCommand,
  toy: async () => (await import('./toy.ts')).toyCommand,
};

function usage(): string {
  return [
    'usage: neon <command> [flags]',
    '',
    'commands:',
    ...Object.keys(commands).sort().map((c) => `  ${c}`),
    '',
    "run 'neon <command> --help' for a command's flags",
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const load = commands[name];
  if (!load) {
    console.error(`neon: unknown command '${name}'\n${usage()}`);
    return 2;
  }
  try {
    const command = await load();
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError || err instanceof FolderLockedError) {
      console.error(`neon ${name}: ${err.message}`);
      return 2;
    }
    // one line, never a stack trace (NEON_DEBUG=1 prints it, for a bug report)
    const message = err instanceof Error ? err.message : String(err);
    console.error(`neon ${name}: ${message.split('\n')[0].slice(0, 2000)}`);
    if (process.env.NEON_DEBUG === '1' && err instanceof Error && err.stack) console.error(err.stack);
    return 1;
  }
}
