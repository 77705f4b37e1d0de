import type middy from '@middy/core';
import multipartBodyParser from '@middy/http-multipart-body-parser';
import { refuseCardNumbersInParts } from './card-numbers.js';

/**
 * The multipart/form-data parser for upload routes: one file part at most, parsed by busboy, then
 * its fields and file names refused if one reads as a card number (`refuseCardNumbersInParts`),
 * before validation, idempotency or the handler see them.
 */
export function multipartBody(): middy.MiddlewareObj {
  const parser = multipartBodyParser({ busboy: { limits: { files: 1 } } }) as middy.MiddlewareObj;
  return {
    before: async (request) => {
      await parser.before!(request);
      refuseCardNumbersInParts(request.event as { body: unknown });
    },
  };
}
