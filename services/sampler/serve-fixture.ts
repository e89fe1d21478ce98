// A sampler server on 127.0.0.1 (port 0, or argv[2]) over the tiny fixture model and, with NEON_SERVE_SHIPPED=1,
// the shipped models too: for the load test and the benchmark. Prints `listening <port>` on stdout once it accepts
// connections; exits on SIGTERM.
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { OrtEngine } from '../../shared/engine/ort/ort-engine.ts';
import { builtinFamilies, familyResolver, type FamilyResolver } from '../../shared/families/registry.ts';
import { tinyFlowFamily, tinyFlowModel } from '../../shared/families/test-fixtures/tiny-flow.ts';
import { ModelProvider } from '../../shared/serving/model-provider.ts';
import { FolderModelSource, MemoryModelSource, type ModelSource } from '../../shared/serving/model-source.ts';
import { shippedModelsDir } from '../../shared/serving/shipped-models.ts';
import { createSamplerApp } from './app.ts';
import { composeApp } from '../compose-app.ts';

const engine = new OrtEngine({ workers: 1, threadsPerSession: Number(process.env.NEON_ORT_THREADS ?? 1) });
const m = tinyFlowModel('tiny-flow');
const fixture = familyResolver({ flow: tinyFlowFamily });
const sources: ModelSource[] = [new MemoryModelSource().add(m.onnx, m.manifest)];
if (process.env.NEON_SERVE_SHIPPED === '1') sources.push(new FolderModelSource(shippedModelsDir()));
// the fixture samples with its own family; everything else with the project's
const families: FamilyResolver = (manifest) =>
  manifest.name === 'tiny-flow' ? fixture(manifest) : builtinFamilies(manifest);
const models = new ModelProvider({ engine, sources, families });
await models.get('tiny-flow');
const app = composeApp('sampler', [{ app: createSamplerApp({ models }), ready: () => true }], { tokens: [] });
const server = serve(
  { fetch: app.fetch, port: Number(process.argv[2] ?? 0), hostname: '127.0.0.1' },
  (info: AddressInfo) => {
    console.log(`listening ${info.port}`);
  },
);
process.once('SIGTERM', () => {
  server.close();
  void engine.close().then(() => process.exit(0));
});
