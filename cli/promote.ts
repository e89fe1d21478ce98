// `neon promote REF --alias NAME`: points `<model>@NAME` at the version REF resolves to (e.g. make the Neon version
// the model's default with `--alias default`). A running sampler sees it within its resolution TTL, or at once after
// POST /v1/models/{model}/refresh.
import type { Command } from './command.ts';
import { UsageError, parseFlags } from './flags.ts';
import { hasRegistry, openRegistry } from './model-sources.ts';
import { parseModelRef, RegistryError, resolveModel, setAlias } from '../shared/registry/registry.ts';

const HELP = `usage: neon promote REF --alias NAME [--json]

Points the alias NAME of REF's model at the version REF resolves to (REF: NAME, NAME@tag or NAME@alias).
'--alias default' makes it what the bare model name serves. The registry is DATABASE_URL or $NEON_HOME/db.`;

export const promoteCommand: Command = {
  summary: 'point an alias (e.g. default) at a registry version',
  async run(argv) {
    const flags = parseFlags(argv, { boolean: ['json', 'help'], string: ['alias'] });
    if (flags.booleans.has('help')) {
      console.log(HELP);
      return 0;
    }
    const [ref, extra] = flags.positionals;
    if (ref === undefined) throw new UsageError('needs a model reference: neon promote NAME@TAG --alias ALIAS');
    if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`);
    const alias = flags.values.get('alias');
    if (!alias) throw new UsageError('--alias is required');
    try {
      parseModelRef(`x@${alias}`);
      parseModelRef(ref);
    } catch (err) {
      if (err instanceof RegistryError) throw new UsageError(err.message.replace("'x@", "'"));
      throw err;
    }
    if (!hasRegistry(process.env))
      throw new UsageError('no registry: set DATABASE_URL, or run neon run / neon serve once to create $NEON_HOME/db');
    const database = await openRegistry(process.env);
    try {
      const hit = await resolveModel(database.db, ref);
      if (!hit) throw new UsageError(`no version '${ref}' in the registry (${database.location})`);
      const before = await resolveModel(database.db, `${hit.model.name}@${alias}`);
      try {
        await setAlias(database.db, hit.model.name, alias, hit.version.id);
      } catch (err) {
        if (err instanceof RegistryError) throw new UsageError(`--alias: ${err.message}`);
        throw err;
      }
      const r = {
        alias: `${hit.model.name}@${alias}`,
        version: `${hit.model.name}@${hit.version.tag}`,
        version_id: hit.version.id,
        previous: before?.via === 'alias' ? `${hit.model.name}@${before.version.tag}` : null,
      };
      if (flags.booleans.has('json')) console.log(JSON.stringify(r));
      else
        console.log(`${r.alias} → ${r.version}${r.previous && r.previous !== r.version ? ` (was ${r.previous})` : ''}`);
      return 0;
    } finally {
      await database.close();
    }
  },
};
