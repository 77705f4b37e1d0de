/** The part of s3rver's (untyped) API that the local S3 engine uses. */
declare module 's3rver' {
  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
    vhostBuckets?: boolean;
    configureBuckets?: { name: string; configs?: (string | Buffer)[] }[];
  }

  export default class S3rver {
    constructor(options: S3rverOptions);
    /** Resolves with the bound address once listening. */
    run(): Promise<{ address: string; port: number }>;
    close(): Promise<void>;
  }
}
