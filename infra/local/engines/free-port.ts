import { createServer } from 'node:net';

/**
 * Asks the OS for a port that is free right now. Engines that cannot listen on port 0 themselves
 * (DynamoDB Local is a Java process) get one this way; the tiny window before they bind is
 * covered by their start-up retry.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
