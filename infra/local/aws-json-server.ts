import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A failure answered in the AWS JSON protocol's error shape. */
export class AwsJsonError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export interface AwsJsonServer {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * A minimal server for an AWS JSON-protocol service (awsJson1_0 / awsJson1_1): every call is a
 * POST whose `X-Amz-Target` header names `<prefix>.<Operation>` and whose body is the input. The
 * SDK reaches it through `AWS_ENDPOINT_URL_<SERVICE>`; signatures are not checked.
 */
export async function startAwsJsonServer(options: {
  targetPrefix: string;
  contentType: string;
  operations: Record<string, (input: Record<string, unknown>) => Promise<unknown>>;
  port?: number;
  log?: (line: string) => void;
}): Promise<AwsJsonServer> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const reply = (status: number, body: unknown) => {
        const text = JSON.stringify(body ?? {});
        res.writeHead(status, { 'content-type': options.contentType, 'content-length': Buffer.byteLength(text) });
        res.end(text);
      };
      const target = String(req.headers['x-amz-target'] ?? '');
      const [prefix, operation = ''] = target.split('.');
      const handler = prefix === options.targetPrefix ? options.operations[operation] : undefined;
      if (!handler) {
        reply(400, { __type: 'UnknownOperationException', message: `unsupported operation ${target || '(none)'}` });
        return;
      }
      let input: Record<string, unknown>;
      try {
        input = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
      } catch {
        reply(400, { __type: 'SerializationException', message: 'the body is not JSON' });
        return;
      }
      handler(input).then(
        (output) => reply(200, output),
        (error: unknown) => {
          if (error instanceof AwsJsonError) {
            reply(error.status, { __type: error.type, message: error.message });
            return;
          }
          options.log?.(`${target} failed: ${(error as Error).stack ?? String(error)}`);
          reply(500, { __type: 'InternalFailure', message: (error as Error).message });
        },
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
