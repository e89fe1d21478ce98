// What each runtime's entry (node.ts, bun.ts, deno.ts) does with a Web-standard app: listen, tell where, close.

export interface ListenOptions {
  fetch: (request: Request) => Response | Promise<Response>;
  port: number;
  hostname: string;
}

export interface Listener {
  /** The address and port actually bound (port 0 asks the system for a free one). */
  address: string;
  port: number;
  /** Stops accepting connections and resolves once the server is closed. */
  close(): Promise<void>;
}

export type Listen = (options: ListenOptions) => Promise<Listener>;
