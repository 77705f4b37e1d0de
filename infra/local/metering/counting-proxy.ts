import { Agent, createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request through the proxy, its body possibly rewritten, and the engine's answer. */
export interface Exchange {
  method: string;
  /** Path and query string as the client sent them. */
  url: string;
  headers: IncomingHttpHeaders;
  requestBody: Buffer;
  status: number;
  responseBody: Buffer;
}

export interface CountingProxyOptions {
  /** The engine's endpoint, `http://127.0.0.1:<port>`. */
  target: string;
  /** May return a replacement body for the request (DynamoDB's asks for its consumed capacity). */
  rewrite?: (request: { method: string; url: string; headers: IncomingHttpHeaders; body: Buffer }) => Buffer | undefined;
  /** Called with every completed exchange; what it records is the meter's business. */
  observe: (exchange: Exchange) => void;
}

export interface CountingProxy {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * A reverse proxy in front of a local engine that sees every request and answer whole, so the bytes and the answers
 * AWS bills by can be counted where they pass, whichever client (the runtime's or a function's) sent them. Headers
 * pass unchanged, the Host included, so signed requests (S3's presigned URLs) still verify at the engine.
 */
export async function startCountingProxy(options: CountingProxyOptions): Promise<CountingProxy> {
  const target = new URL(options.target);
  const agent = new Agent({ keepAlive: true });
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const method = req.method ?? 'GET';
      const url = req.url ?? '/';
      const original = Buffer.concat(chunks);
      const body = options.rewrite?.({ method, url, headers: req.headers, body: original }) ?? original;
      const headers = { ...req.headers };
      // The body is forwarded whole, so it goes with its length rather than in chunks.
      if (body.length > 0 || headers['content-length'] !== undefined || headers['transfer-encoding'] !== undefined) {
        delete headers['transfer-encoding'];
        headers['content-length'] = String(body.length);
      }
      const upstream = request({ host: target.hostname, port: target.port, method, path: url, headers, agent }, (answer) => {
        const answerChunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => answerChunks.push(chunk));
        answer.on('end', () => {
          const responseBody = Buffer.concat(answerChunks);
          const out = { ...answer.headers };
          delete out['transfer-encoding'];
          out['content-length'] = String(responseBody.length);
          res.writeHead(answer.statusCode ?? 502, out).end(responseBody);
          try {
            options.observe({ method, url, headers: req.headers, requestBody: body, status: answer.statusCode ?? 502, responseBody });
          } catch {
            // Counting must never break the call it counts.
          }
        });
        answer.on('error', () => res.destroy());
      });
      upstream.on('error', (error) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`counting proxy: ${error.message}`);
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
