/** Region every local engine and client agrees on. */
export const LOCAL_REGION = 'us-east-1';

/**
 * DynamoDB Local and fauxqs accept any credentials; s3rver only knows its own fixed pair, so
 * every local client uses that one.
 */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** Account id that fauxqs puts in queue ARNs and URLs, and that local events carry. */
export const LOCAL_ACCOUNT = '000000000000';
