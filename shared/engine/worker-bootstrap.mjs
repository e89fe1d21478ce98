// Worker-thread entry: registers the TypeScript loader, then runs the TS module named in workerData.entry.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
