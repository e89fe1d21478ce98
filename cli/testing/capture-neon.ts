// The command line run in this process, for tests: `main(argv)` with console.log and console.error captured.
import { main } from '../neon.ts';

export async function captureNeon(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const log = console.log;
  const error = console.error;
  let out = '';
  let err = '';
  console.log = (...a: unknown[]) => (out += a.join(' ') + '\n');
  console.error = (...a: unknown[]) => (err += a.join(' ') + '\n');
  try {
    return { code: await main(argv), out, err };
  } finally {
    console.log = log;
    console.error = error;
  }
}
