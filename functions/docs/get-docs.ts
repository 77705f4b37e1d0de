import document from '../../integration-files/openapi/openapi.json' with { type: 'json' };
import type { OpenApiDocument } from '../../integration-files/openapi/build-openapi.js';
import { renderDocsPage } from '../../shared/docs/render-docs.js';
import { httpHandler } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';

const page = renderDocsPage(document as unknown as OpenApiDocument);

/** GET /docs: the OpenAPI document as a page, rendered once per cold start. */
export const handler = httpHandler({})(async () =>
  ok(page, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'public, max-age=300',
    // frame-ancestors: no other site may frame the page (clickjacking); X-Frame-Options for browsers without CSP 2.
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; frame-ancestors 'none'",
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
  }),
);
