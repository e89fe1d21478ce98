// The Node entry: the app on @hono/node-server.
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Listen } from './listener.ts';

export const listen: Listen = ({ fetch, port, hostname }) =>
  new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname }, (info: AddressInfo) => {
      server.off('error', reject);
      resolve({
        address: info.address,
        port: info.port,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
    server.once('error', reject);
  });
