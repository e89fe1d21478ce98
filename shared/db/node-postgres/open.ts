// The node-postgres driver: a connection pool for queries and transactions, plus one dedicated connection
// for LISTEN (reconnected after errors; readers also poll, so a lost notification only delays them).
import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { redactUrl, type ResolvedDatabaseConfig } from '../config.ts';
import type { Database, Db } from '../database-handle.ts';
import { schema as tables } from '../schema.ts';

export async function openNodePostgres(url: string, cfg: ResolvedDatabaseConfig): Promise<Database> {
  const connection = { connectionString: url, options: `-c search_path="${cfg.schema}"` };
  const pool = new pg.Pool({ ...connection, max: cfg.poolSize });
  pool.on('error', (err) => console.error(`database pool: ${err.message}`));
  // Fail now, with the location, rather than on the first query.
  try {
    const c = await pool.connect();
    c.release();
  } catch (err) {
    await pool.end();
    throw new Error(`cannot connect to ${redactUrl(url)}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  const db = drizzle({ client: pool, schema: tables }) as unknown as Db;
  const listeners = new Map<string, Set<(payload: string) => void>>();
  let listener: pg.Client | undefined;
  let connecting: Promise<pg.Client> | undefined;
  let closed = false;
  let retry: ReturnType<typeof setTimeout> | undefined;

  const connectListener = (): Promise<pg.Client> => {
    if (listener) return Promise.resolve(listener);
    connecting ??= (async () => {
      const client = new pg.Client(connection);
      client.on('notification', (msg) => {
        for (const fn of listeners.get(msg.channel) ?? []) fn(msg.payload ?? '');
      });
      client.on('error', (err) => {
        if (closed) return;
        console.error(`database listener: ${err.message}; reconnecting`);
        listener = undefined;
        client.end().catch(() => {});
        retry = setTimeout(() => {
          if (!closed && listeners.size > 0) connectListener().catch(() => {});
        }, 1000);
      });
      try {
        await client.connect();
        for (const channel of listeners.keys()) await client.query(`LISTEN "${channel}"`);
      } catch (err) {
        await client.end().catch(() => {});
        throw err;
      }
      listener = client;
      return client;
    })().finally(() => {
      connecting = undefined;
    });
    return connecting;
  };

  return {
    driver: 'node-postgres',
    db,
    schema: cfg.schema,
    location: redactUrl(url),
    async listen(channel, onNotify) {
      let set = listeners.get(channel);
      const fresh = !set;
      if (!set) listeners.set(channel, (set = new Set()));
      set.add(onNotify);
      const client = await connectListener();
      if (fresh) await client.query(`LISTEN "${channel}"`);
      return async () => {
        const s = listeners.get(channel);
        if (!s || !s.delete(onNotify) || s.size > 0) return;
        listeners.delete(channel);
        if (listener && !closed) await listener.query(`UNLISTEN "${channel}"`).catch(() => {});
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      if (retry) clearTimeout(retry);
      const c = listener ?? (connecting ? await connecting.catch(() => undefined) : undefined);
      listener = undefined;
      if (c) await c.end().catch(() => {});
      await pool.end();
    },
  };
}
