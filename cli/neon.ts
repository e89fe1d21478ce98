// The `neon` command line: one file per command under cli/, dispatched by name here.
import type { Command } from './command.ts';
import { UsageError } from './flags.ts';
import { packageVersion } from '../shared/config/package-version.ts';
import { didYouMeanSuffix } from '../shared/text/did-you-mean.ts';
import { FolderLockedError } from '../shared/files/folder-lock.ts';

type Loader = () => Promise<Command>;

const commands: Record<string, Loader> = {
  'check-model': async () => (await import('./check-model.ts')).checkModelCommand,
  db: async () => (await import('./db.ts')).dbCommand,
  diagnose: async () => (await import('./diagnose.ts')).diagnoseCommand,
  fid: async () => (await import('./fid.ts')).fidCommand,
  import: async () => (await import('./import.ts')).importCommand,
  export: async () => (await import('./export.ts')).exportCommand,
  merge: async () => (await import('./merge.ts')).mergeCommand,
  models: async () => (await import('./models.ts')).modelsCommand,
  promote: async () => (await import('./promote.ts')).promoteCommand,
  run: async () => (await import('./run.ts')).runCommand,
  sample: async () => (await import('./sample.ts')).sampleCommand,
  serve: async () => (await import('./serve.ts')).serveCommand,
  stats: async () => (await import('./stats.ts')).statsCommand,
  toy: async () => (await import('./toy.ts')).toyCommand,
};

/** The top-level help: every command with its one-line summary (each command file states its own). */
export async function usage(): Promise<string> {
  const names = Object.keys(commands).sort();
  const summaries = await Promise.all(names.map(async (n) => (await commands[n]()).summary));
  const width = Math.max(...names.map((n) => n.length));
  return [
    `usage: neon <command> [flags]        (neon ${packageVersion()})`,
    '',
    'commands:',
    ...names.map((n, i) => `  ${n.padEnd(width)}  ${summaries[i]}`),
    '',
    "run 'neon <command> --help' for a command's flags; NEON_HOME is the data folder (default ./.neon)",
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-v' || name === 'version') {
    console.log(packageVersion());
    return 0;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const text = await usage();
    if (name === undefined) console.error(text);
    else console.log(text);
    return name === undefined ? 2 : 0;
  }
  const load = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!load) {
    console.error(
      `neon: unknown command '${name}'${didYouMeanSuffix(name, Object.keys(commands))}; run 'neon --help' for the list`,
    );
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
