// The PGlite driver: Postgres compiled to WebAssembly, in-process, in a data folder or in memory.
// One connection: transactions are serialized by PGlite, LISTEN/NOTIFY works within the process. A data folder is
// one process's alone: it is locked (shared/files/folder-lock.ts) before PGlite opens it, and unlocked on close.
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { lockFolder, type FolderLock } from '../../files/folder-lock.ts';
import { drizzle } from 'drizzle-orm/pglite';
import type { ResolvedDatabaseConfig } from '../config.ts';
import type { Database, Db } from '../database-handle.ts';
import { schema as tables } from '../schema.ts';

export async function openPglite(cfg: ResolvedDatabaseConfig): Promise<Database> {
  let client: PGlite;
  let location: string;
  let lock: FolderLock | undefined;
  if (cfg.memory || !cfg.dataDir) {
    client = await PGlite.create();
    location = 'pglite:memory';
  } else {
    const dir = resolve(cfg.dataDir);
    lock = lockFolder(dir);
    try {
      await mkdir(dir, { recursive: true });
      client = await PGlite.create(dir);
    } catch (err) {
      lock.release();
      throw err;
    }
    location = `pglite:${dir}`;
  }
  // The single session keeps its search_path; the migrator creates the schema if it is missing.
  try {
    await client.exec(`SET search_path TO "${cfg.schema}"`);
  } catch (err) {
    await client.close();
    lock?.release();
    throw err;
  }
  const db = drizzle({ client, schema: tables }) as unknown as Db;
  let closed = false;
  return {
    driver: 'pglite',
    db,
    schema: cfg.schema,
    location,
    lock,
    async listen(channel, onNotify) {
      const unlisten = await client.listen(channel, onNotify);
      return async () => {
        if (!closed) await unlisten();
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await client.close();
      } finally {
        lock?.release();
      }
    },
  };
}
