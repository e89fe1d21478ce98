// The Deno entry: the app on Deno.serve.
import type { Listen } from './listener.ts';

/** The part of Deno's global this entry uses (the project is typed against Node). */
interface DenoServer {
  finished: Promise<void>;
  shutdown(): Promise<void>;
}
interface DenoGlobal {
  serve(
    options: {
      port: number;
      hostname: string;
      onListen?: (addr: { hostname: string; port: number }) => void;
      onError?: (err: unknown) => Response;
    },
    handler: (request: Request) => Response | Promise<Response>,
  ): DenoServer;
}

export const listen: Listen = ({ fetch, port, hostname }) => {
  const deno = (globalThis as { Deno?: DenoGlobal }).Deno;
  if (!deno) return Promise.reject(new Error('the Deno entry needs the Deno runtime'));
  return new Promise((resolve, reject) => {
    try {
      const server = deno.serve(
        {
          port,
          hostname,
          onListen: (addr) => resolve({ address: addr.hostname, port: addr.port, close: () => server.shutdown() }),
        },
        fetch,
      );
    } catch (err) {
      reject(err);
    }
  });
};
