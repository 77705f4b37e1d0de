import { ApiError } from '../api.js';
import { navigate } from '../router.js';
import { currentSession, sessionEnded } from '../session.js';

/**
 * Sends a file as the body of a POST on the console's origin, for the two uploads `api.ts` (JSON bodies only) does not
 * make: a product image as multipart form data and a product import file as it is (CSV, JSON, NDJSON). It keeps the
 * API client's rules: the session cookie, `X-CSRF-Token`, an `Idempotency-Key`, problem+json as an `ApiError`, and a
 * 401 ending the session.
 * @param body a `FormData` (the browser sets the multipart boundary) or a file sent with `contentType`
 */
export async function upload<T>(path: string, body: FormData | Blob, contentType?: string): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json', 'idempotency-key': crypto.randomUUID() };
  const csrf = currentSession()?.csrfToken;
  if (csrf) headers['x-csrf-token'] = csrf;
  if (contentType) headers['content-type'] = contentType;
  let response: Response;
  try {
    response = await fetch(path, { method: 'POST', headers, body, credentials: 'same-origin', cache: 'no-store' });
  } catch (error) {
    throw new ApiError({ status: 0, title: 'Network error', detail: `The API could not be reached: ${(error as Error).message}` });
  }
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    if (response.status === 401) {
      sessionEnded();
      navigate('sign-in');
    }
    throw new ApiError({ status: response.status, ...(problem as object) });
  }
  return (await response.json()) as T;
}

/** The import formats and the content type each is sent as. */
export const IMPORT_TYPES = { csv: 'text/csv', json: 'application/json', ndjson: 'application/x-ndjson' } as const;
export type ImportFormat = keyof typeof IMPORT_TYPES;

/** A file's import format from its name, or undefined when its extension is none of ours. */
export function importFormat(name: string): ImportFormat | undefined {
  const extension = name.toLowerCase().split('.').pop();
  if (extension === 'csv') return 'csv';
  if (extension === 'json') return 'json';
  if (extension === 'ndjson' || extension === 'jsonl') return 'ndjson';
  return undefined;
}
