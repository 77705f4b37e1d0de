import { SCOPES, type Scope } from './scopes.js';
import { parseRoles, type Role } from './roles.js';

/** Who is calling, as established by the authorizer. */
export interface Principal {
  subject: string;
  kind: 'user' | 'integration';
  roles: Role[];
  scopes: Scope[];
}

/**
 * API Gateway passes authorizer context as flat strings, so a principal travels as one.
 * The authorizer writes it with `principalToContext`, the HTTP layer reads it with `principalFromContext`.
 */
export function principalToContext(p: Principal): Record<string, string> {
  return { subject: p.subject, kind: p.kind, roles: p.roles.join(' '), scopes: p.scopes.join(' ') };
}

/** Reads a principal back from authorizer context; `undefined` when there is none. */
export function principalFromContext(ctx: Record<string, unknown> | null | undefined): Principal | undefined {
  if (!ctx || typeof ctx.subject !== 'string' || ctx.subject === '') return undefined;
  const words = (v: unknown) => (typeof v === 'string' && v !== '' ? v.split(' ') : []);
  return {
    subject: ctx.subject,
    kind: ctx.kind === 'integration' ? 'integration' : 'user',
    roles: parseRoles(words(ctx.roles)),
    scopes: words(ctx.scopes).filter((s): s is Scope => (SCOPES as readonly string[]).includes(s)),
  };
}
