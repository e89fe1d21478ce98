// The whole server (`--service all`) on a fresh folder serving one tiny flow model, for tests that exercise every
// route in process: bearer auth on, no background workers, one onnxruntime thread.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { familyResolver } from '../shared/families/registry.ts';
import { tinyFlowFamily, writeTinyFlowModel } from '../shared/families/test-fixtures/tiny-flow.ts';
import { serveConfigFromEnv } from './serve-config.ts';
import { createServer, type Server } from './server.ts';

export async function startTinyServer(prefix: string, token: string): Promise<{ dir: string; server: Server }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await writeTinyFlowModel(join(dir, 'models'));
  const env = {
    NEON_HOME: join(dir, 'home'),
    NEON_MODELS_DIR: join(dir, 'models'),
    NEON_API_TOKENS: token,
    NEON_ORT_THREADS: '1',
    NEON_SAMPLER_JOBS: '0',
    NEON_ORCHESTRATOR_WORKERS: '0',
  };
  const server = await createServer(serveConfigFromEnv('all', env), {
    families: familyResolver({ flow: tinyFlowFamily }),
    log: () => {},
  });
  return { dir, server };
}
