/** A field the API refused, as problem+json's `errors` names it. */
export interface FieldError {
  field: string;
  message: string;
}

/** An RFC 9457 problem the API answered, or a network failure (status 0): pages show its title and detail. */
export class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string;
  readonly errors: FieldError[];

  constructor(problem: { status: number; type?: string; title?: string; detail?: string; errors?: FieldError[] }) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
    this.name = 'ApiError';
    this.status = problem.status;
    this.type = problem.type ?? 'about:blank';
    this.title = problem.title ?? `HTTP ${problem.status}`;
    this.detail = problem.detail ?? '';
    this.errors = problem.errors ?? [];
  }
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  /** Sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * A POST that creates something carries an `Idempotency-Key`, so a retry after a lost answer makes nothing twice.
   * On by default for POSTs; `false` leaves it off.
   */
  idempotent?: boolean;
  /** The answer as text (a CSV) rather than parsed JSON. */
  text?: boolean;
}

let csrfToken: string | undefined;
let onUnauthenticated: (() => void) | undefined;
let onActivity: (() => void) | undefined;

/** The session's CSRF token, sent as `X-CSRF-Token` on every request that may change something (session.ts sets it). */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** What to do when the API answers 401 outside `/auth/`: the session is gone, so the app shows the sign-in page. */
export function setUnauthenticatedHandler(handler: () => void): void {
  onUnauthenticated = handler;
}

/** Told of every answered request: the session slides its expiry only while the console is in use. */
export function setActivityHandler(handler: () => void): void {
  onActivity = handler;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The relative URL of a path and query (same origin: the cookie goes with it, and no CORS is involved). */
export function apiUrl(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(name, String(value));
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...options.headers };
  if (UNSAFE.has(method) && csrfToken) headers['x-csrf-token'] = csrfToken;
  if (method === 'POST' && options.idempotent !== false) headers['idempotency-key'] = crypto.randomUUID();
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  let response: Response;
  try {
    response = await fetch(apiUrl(path, options.query), { method, headers, body, credentials: 'same-origin', cache: 'no-store' });
  } catch (error) {
    throw new ApiError({ status: 0, title: 'Network error', detail: `The API could not be reached: ${(error as Error).message}` });
  }
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    const error = new ApiError({ status: response.status, ...(problem as object) });
    if (response.status === 401 && !path.startsWith('/auth/')) onUnauthenticated?.();
    throw error;
  }
  if (!path.startsWith('/auth/')) onActivity?.();
  if (response.status === 204) return undefined as T;
  if (options.text) return (await response.text()) as T;
  const type = response.headers.get('content-type') ?? '';
  return (type.includes('json') ? await response.json() : await response.text()) as T;
}

/** The REST API on the console's own origin. Every failure is an `ApiError`. */
export const api = {
  get: <T>(path: string, options?: RequestOptions) => request<T>('GET', path, options),
  post: <T>(path: string, options?: RequestOptions) => request<T>('POST', path, options),
  put: <T>(path: string, options?: RequestOptions) => request<T>('PUT', path, options),
  patch: <T>(path: string, options?: RequestOptions) => request<T>('PATCH', path, options),
  del: <T>(path: string, options?: RequestOptions) => request<T>('DELETE', path, options),
};

/** A paged list as the API answers it. */
export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}
