// The PGlite driver: Postgres compiled to WebAssembly, in-process, in a data folder or in memory.
// One connection: transactions are serialized by PGlite, LISTEN/NOTIFY works within the process.
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import type { ResolvedDatabaseConfig } from '../config.ts';
import type { Database, Db } from '../database-handle.ts';
import { schema as tables } from '../schema.ts';

export async function openPglite(cfg: ResolvedDatabaseConfig): Promise<Database> {
  let client: PGlite;
  let location: string;
  if (cfg.memory || !cfg.dataDir) {
    client = await PGlite.create();
    location = 'pglite:memory';
  } else {
    await mkdir(cfg.dataDir, { recursive: true });
    client = await PGlite.create(cfg.dataDir);
    location = `pglite:${cfg.dataDir}`;
  }
  // The single session keeps its search_path; the migrator creates the schema if it is missing.
  await client.exec(`SET search_path TO "${cfg.schema}"`);
  const db = drizzle({ client, schema: tables }) as unknown as Db;
  let closed = false;
  return {
    driver: 'pglite',
    db,
    schema: cfg.schema,
    location,
    async listen(channel, onNotify) {
      const unlisten = await client.listen(channel, onNotify);
      return async () => {
        if (!closed) await unlisten();
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      await client.close();
    },
  };
}
