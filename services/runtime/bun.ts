// The Bun entry: the app on Bun.serve.
import type { Listen } from './listener.ts';

/** The part of Bun's global this entry uses (the project is typed against Node). */
interface BunServer {
  hostname: string;
  port: number;
  stop(closeActiveConnections?: boolean): Promise<void> | void;
}
interface BunGlobal {
  serve(options: {
    fetch: (request: Request) => Response | Promise<Response>;
    port: number;
    hostname: string;
    idleTimeout?: number;
  }): BunServer;
}

export const listen: Listen = async ({ fetch, port, hostname }) => {
  const bun = (globalThis as { Bun?: BunGlobal }).Bun;
  if (!bun) throw new Error('the Bun entry needs the Bun runtime');
  // idleTimeout 0: long generations and server-sent event streams are not cut after Bun's default 10 s
  const server = bun.serve({ fetch, port, hostname, idleTimeout: 0 });
  return { address: server.hostname, port: server.port, close: async () => void (await server.stop()) };
};
