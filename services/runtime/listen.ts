// Serves a Web-standard app with the server of the runtime running this process (node.ts, bun.ts, deno.ts).
import type { Listener, ListenOptions } from './listener.ts';
import { currentRuntime } from './runtime.ts';

export async function listen(options: ListenOptions): Promise<Listener> {
  const runtime = currentRuntime();
  const entry =
    runtime === 'bun'
      ? await import('./bun.ts')
      : runtime === 'deno'
        ? await import('./deno.ts')
        : await import('./node.ts');
  return entry.listen(options);
}
