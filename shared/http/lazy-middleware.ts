import type middy from '@middy/core';

/**
 * A middleware whose implementation is imported on first use. Routes that never need it (a GET
 * with no idempotency, a JSON route with no multipart) never load its module, which keeps their
 * cold start at what they actually use.
 */
export function lazyMiddleware<E, R>(load: () => Promise<middy.MiddlewareObj<E, R>>): middy.MiddlewareObj<E, R> {
  let loaded: Promise<middy.MiddlewareObj<E, R>> | undefined;
  const get = () => (loaded ??= load());
  return {
    before: async (request) => (await get()).before?.(request),
    after: async (request) => (await get()).after?.(request),
    onError: async (request) => (await get()).onError?.(request),
  };
}
