import { mkdir } from 'node:fs/promises';
import S3rver from 's3rver';

export interface S3Engine {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts s3rver, which keeps buckets and objects as files under `directory`. Clients must use
 * path-style addressing (`S3_FORCE_PATH_STYLE=true`); any credentials are accepted.
 */
export async function startS3(options: { directory: string; port?: number; buckets?: readonly string[] }): Promise<S3Engine> {
  await mkdir(options.directory, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    silent: true,
    directory: options.directory,
    allowMismatchedSignatures: true,
    vhostBuckets: false,
    configureBuckets: (options.buckets ?? []).map((name) => ({ name })),
  });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stop: () => server.close(),
  };
}
