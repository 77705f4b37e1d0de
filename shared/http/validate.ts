import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { z } from 'zod';
import { ValidationError, type FieldError } from '../errors.js';

type Schemas = { params?: z.ZodType; query?: z.ZodType; body?: z.ZodType };

/** Turns zod issues into the problem document's `errors`: one entry per failing field, `body.items.0.sku`. */
export function fieldErrors(where: string, error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const path = [where, ...issue.path.map(String)].join('.');
    if (keys.length > 0) {
      return { field: path, message: `unknown field${keys.length > 1 ? 's' : ''}: ${keys.join(', ')}` };
    }
    return { field: path, message: issue.message };
  });
}

/**
 * Validates path parameters, query string and body against the route's strict zod schemas,
 * collecting every failing field of all three before answering 400.
 */
export function validate(schemas: Schemas, event: APIGatewayProxyEvent) {
  const errors: FieldError[] = [];
  const run = (where: string, schema: z.ZodType | undefined, value: unknown): unknown => {
    if (!schema) return value;
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    errors.push(...fieldErrors(where, result.error));
    return undefined;
  };
  const params = run('path', schemas.params, event.pathParameters ?? {});
  const query = run('query', schemas.query, event.queryStringParameters ?? {});
  const body = run('body', schemas.body, (event as { body: unknown }).body);
  if (errors.length > 0) throw new ValidationError(errors);
  return { params: params as never, query: query as never, body: body as never };
}
