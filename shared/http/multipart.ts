import type middy from '@middy/core';
import multipartBodyParser from '@middy/http-multipart-body-parser';

/** The multipart/form-data parser for upload routes: one file part at most, parsed by busboy. */
export function multipartBody(): middy.MiddlewareObj {
  return multipartBodyParser({ busboy: { limits: { files: 1 } } }) as middy.MiddlewareObj;
}
