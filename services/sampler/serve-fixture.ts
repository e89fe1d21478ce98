// A sampler server over the tiny fixture model on 127.0.0.1 (port 0, or argv[2]), for the load test and the
// benchmark: prints `listening <port>` on stdout once it accepts connections; exits on SIGTERM.
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { OrtEngine } from '../../shared/engine/ort/ort-engine.ts';
import { familyResolver } from '../../shared/families/resolve-family.ts';
import { tinyFlowFamily, tinyFlowModel } from '../../shared/families/test-fixtures/tiny-flow.ts';
import { ModelProvider } from '../../shared/models/model-provider.ts';
import { MemoryModelSource } from '../../shared/models/model-source.ts';
import { createSamplerApp } from './app.ts';

const engine = new OrtEngine({ workers: 1, threadsPerSession: Number(process.env.NEON_ORT_THREADS ?? 1) });
const m = tinyFlowModel('tiny-flow');
const models = new ModelProvider({ engine, sources: [new MemoryModelSource().add(m.onnx, m.manifest)], families: familyResolver({ flow: tinyFlowFamily }) });
await models.get('tiny-flow');
const app = createSamplerApp({ models });
const server = serve({ fetch: app.fetch, port: Number(process.argv[2] ?? 0), hostname: '127.0.0.1' }, (info: AddressInfo) => {
  console.log(`listening ${info.port}`);
});
process.once('SIGTERM', () => {
  server.close();
  void engine.close().then(() => process.exit(0));
});
