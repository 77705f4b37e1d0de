import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import document from '../../integration-files/openapi/openapi.json' with { type: 'json' };
import type { OpenApiDocument, Operation, Ref, Response } from '../../integration-files/openapi/build-openapi.js';

/** The checked-in OpenAPI document, as clients and the running API see it. */
export const openApiDocument = document as unknown as OpenApiDocument;

export interface MatchedOperation {
  /** The path template, `/products/{id}`. */
  template: string;
  method: string;
  operation: Operation;
  pathParameters: Record<string, string>;
}

function segments(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

/**
 * Finds the operation a request goes to, as a router would: same number of segments, every
 * literal equal, `{name}` matching any one segment; of several matches the one with the most
 * literals wins (`/products/import` before `/products/{id}`).
 * @returns undefined when the document has no such path, or the path has no such method
 */
export function findOperation(method: string, path: string, doc: OpenApiDocument = openApiDocument): MatchedOperation | undefined {
  const wanted = segments(path.split('?')[0]!).map(decodeURIComponent);
  let best: (MatchedOperation & { literals: number }) | undefined;
  for (const [template, item] of Object.entries(doc.paths)) {
    const parts = segments(template);
    if (parts.length !== wanted.length) continue;
    const pathParameters: Record<string, string> = {};
    let literals = 0;
    const matches = parts.every((part, i) => {
      const param = /^\{(.+)\}$/.exec(part);
      if (param) {
        pathParameters[param[1]!] = wanted[i]!;
        return true;
      }
      literals += 1;
      return part === wanted[i];
    });
    const operation = item[method.toLowerCase()];
    if (matches && operation && (!best || literals > best.literals)) {
      best = { template, method: method.toUpperCase(), operation, pathParameters, literals };
    }
  }
  if (!best) return undefined;
  const { literals: _literals, ...match } = best;
  return match;
}

const pointerEscape = (token: string) => token.replace(/~/g, '~0').replace(/\//g, '~1');

/** The response object an operation declares for a status: exact, then `4XX`-style range, then `default`. */
export function declaredResponse(
  operation: Operation,
  status: number,
  doc: OpenApiDocument = openApiDocument,
): { response: Response; pointer: string } | undefined {
  const key = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => k in operation.responses);
  if (!key) return undefined;
  const value = operation.responses[key]!;
  if ('$ref' in value) {
    const name = (value as Ref).$ref.split('/').at(-1)!;
    return { response: doc.components.responses[name]!, pointer: `#/components/responses/${pointerEscape(name)}` };
  }
  return { response: value as Response, pointer: '' };
}

/** `text/html; charset=utf-8` → `text/html`. */
export function mediaTypeOf(contentType: string | null | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

export interface ResponseToCheck {
  method: string;
  /** Path and query as requested, without the base URL. */
  path: string;
  status: number;
  headers: Headers;
  /** The parsed body for JSON media types, the text otherwise; undefined when the body is empty. */
  body: unknown;
}

/**
 * Checks responses against the document with ajv (JSON Schema 2020-12, with formats): the
 * operation by method and path template, a declared status, a declared content type, required
 * headers, and the body against the media type's schema. Problem documents must also carry the
 * HTTP status they came with.
 */
export class ResponseValidator {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly doc: OpenApiDocument = openApiDocument) {
    addFormats.default(this.ajv);
    this.ajv.addSchema(doc as unknown as object, 'openapi');
  }

  /** A validator for the schema at a JSON pointer into the document. */
  schemaAt(pointer: string): ValidateFunction {
    let validate = this.compiled.get(pointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `openapi${pointer}` });
      this.compiled.set(pointer, validate);
    }
    return validate;
  }

  /** A validator for a named component schema. */
  component(name: string): ValidateFunction {
    return this.schemaAt(`#/components/schemas/${pointerEscape(name)}`);
  }

  /** Every way the response breaks the contract; empty when it keeps it. */
  violations(response: ResponseToCheck): string[] {
    const match = findOperation(response.method, response.path, this.doc);
    if (!match) return [`the document has no operation ${response.method} ${response.path.split('?')[0]}`];
    const where = `${match.method} ${match.template} → ${response.status}`;
    const declared = declaredResponse(match.operation, response.status, this.doc);
    if (!declared) {
      return [`${where}: status ${response.status} is not declared (declared: ${Object.keys(match.operation.responses).join(', ')})`];
    }
    const problems: string[] = [];
    for (const [name, header] of Object.entries(declared.response.headers ?? {})) {
      if (header.required && !response.headers.has(name)) problems.push(`${where}: required header ${name} is missing`);
    }
    const content = declared.response.content;
    if (!content) {
      if (response.body !== undefined) problems.push(`${where}: a body was sent where none is declared`);
      return problems;
    }
    const mediaType = mediaTypeOf(response.headers.get('content-type'));
    const media = content[mediaType];
    if (!media) {
      problems.push(`${where}: content-type ${mediaType || '(none)'} is not declared (declared: ${Object.keys(content).join(', ')})`);
      return problems;
    }
    const pointer = declared.pointer
      ? `${declared.pointer}/content/${pointerEscape(mediaType)}/schema`
      : `#/paths/${pointerEscape(match.template)}/${match.method.toLowerCase()}/responses/${response.status}/content/${pointerEscape(mediaType)}/schema`;
    const validate = this.schemaAt(pointer);
    if (!validate(response.body)) problems.push(`${where}: body does not match its schema: ${describe(validate.errors)}`);
    if (mediaType === 'application/problem+json' && (response.body as { status?: unknown } | undefined)?.status !== response.status) {
      problems.push(`${where}: the problem's status member does not equal the HTTP status`);
    }
    return problems;
  }
}

/** Ajv errors as one readable line each: `/items/0/price/amount must be integer`. */
export function describe(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`).join('; ');
}
