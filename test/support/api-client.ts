import { findOperation, mediaTypeOf, ResponseValidator } from './openapi.js';

/** A response that breaks the OpenAPI document: the API and its contract disagree. */
export class ContractViolation extends Error {
  override readonly name = 'ContractViolation';
  constructor(
    readonly request: string,
    readonly violations: string[],
    readonly body: unknown,
  ) {
    super(`${request} broke the contract:\n- ${violations.join('\n- ')}\nbody: ${JSON.stringify(body)?.slice(0, 2000)}`);
  }
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON for JSON media types (including problem+json), text otherwise, undefined when empty. */
  body: T;
}

/** An RFC 9457 problem, as every 4xx/5xx of the API is. */
export type { Problem } from '../../shared/http/problem.js';

export interface RequestOptions {
  /** Sent as JSON unless `contentType` says otherwise or the body is a string, Buffer or FormData. */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  /** Overrides the client's credentials for this request; `null` sends none. */
  token?: string | null;
}

export interface Credentials {
  token?: string;
  apiKey?: string;
}

const validator = new ResponseValidator();

function isJson(mediaType: string): boolean {
  return mediaType === 'application/json' || mediaType.endsWith('+json');
}

/**
 * The e2e HTTP client. Every request must name an operation of the OpenAPI document, and every
 * response is checked against it (status, content type, required headers, body schema; problem
 * documents against the Problem schema) before the test sees it: a response outside the
 * contract throws `ContractViolation`, whatever the test meant to assert.
 */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly credentials: Credentials = {},
  ) {}

  /** The same client with other credentials. */
  as(credentials: Credentials): ApiClient {
    return new ApiClient(this.baseUrl, credentials);
  }

  /** A URL of the API, for links the API returns as paths (`Location: /imports/…`). */
  url(path: string): string {
    return `${this.baseUrl.replace(/\/+$/, '')}${path.startsWith('/') ? path : `/${path}`}`;
  }

  /**
   * Mints a bearer token from the local platform's identity provider (`POST /local/tokens`), which
   * is not part of the public API and so is not contract-checked.
   */
  async mintToken(subject: string, roles: string[], stores: string[] = [], email?: string): Promise<string> {
    const response = await fetch(this.url('/local/tokens'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ subject, roles, stores, ...(email === undefined ? {} : { email }) }),
    });
    if (response.status !== 200) throw new Error(`POST /local/tokens answered ${response.status}`);
    return ((await response.json()) as { token: string }).token;
  }

  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    if (!findOperation(method, path)) throw new Error(`the OpenAPI document has no operation ${method} ${path}; the test is calling outside the API`);
    const headers = new Headers(options.headers);
    const token = options.token === undefined ? this.credentials.token : options.token;
    if (token) headers.set('authorization', `Bearer ${token}`);
    if (this.credentials.apiKey && options.token === undefined) headers.set('x-api-key', this.credentials.apiKey);
    let body: RequestInit['body'];
    if (options.body instanceof FormData) {
      body = options.body;
    } else if (typeof options.body === 'string' || options.body instanceof Uint8Array) {
      body = options.body as RequestInit['body'];
      headers.set('content-type', options.contentType ?? 'text/plain');
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers.set('content-type', options.contentType ?? 'application/json');
    }

    const response = await fetch(this.url(path), { method, headers, body });
    const text = await response.text();
    const mediaType = mediaTypeOf(response.headers.get('content-type'));
    let parsed: unknown = text === '' ? undefined : text;
    if (text !== '' && isJson(mediaType)) {
      try {
        parsed = JSON.parse(text) as unknown;
      } catch {
        throw new ContractViolation(`${method} ${path}`, [`the ${mediaType} body is not JSON`], text);
      }
    }
    const violations = validator.violations({ method, path, status: response.status, headers: response.headers, body: parsed });
    if (violations.length > 0) throw new ContractViolation(`${method} ${path} → ${response.status}`, violations, parsed);
    return { status: response.status, headers: response.headers, body: parsed as T };
  }

  get<T = unknown>(path: string, options?: RequestOptions) {
    return this.request<T>('GET', path, options);
  }

  post<T = unknown>(path: string, body?: unknown, options?: Omit<RequestOptions, 'body'>) {
    return this.request<T>('POST', path, { ...options, body });
  }

  patch<T = unknown>(path: string, body?: unknown, options?: Omit<RequestOptions, 'body'>) {
    return this.request<T>('PATCH', path, { ...options, contentType: options?.contentType ?? 'application/merge-patch+json', body });
  }
}
