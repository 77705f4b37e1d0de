import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { routes } from '../../../wiring/index.js';
import { ROLE_SCOPES, ROLES } from '../../../shared/auth/roles.js';
import { SCOPES } from '../../../shared/auth/scopes.js';

/** docs/security.md states who may do what; its tables must be the code's, or the document lies. */

const doc = readFileSync('docs/security.md', 'utf8');
const rows = (first: RegExp) => doc.split('\n').filter((line) => first.test(line)).map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim()));

describe('docs/security.md', () => {
  it('has the roles-and-scopes table of shared/auth/roles.ts, every role and every scope', () => {
    const [header] = rows(/^\| role \|/);
    expect(header!.slice(1)).toEqual(SCOPES.map((s) => `\`${s}\``));
    const table = rows(new RegExp(`^\\| (${ROLES.join('|')}) \\|`));
    expect(table.map((row) => row[0])).toEqual([...ROLES]);
    for (const [role, ...cells] of table) {
      const granted = SCOPES.filter((_, i) => cells[i] === 'yes');
      expect(granted, role).toEqual(SCOPES.filter((s) => ROLE_SCOPES[role as (typeof ROLES)[number]].includes(s)));
    }
  });

  it('lists every route of the wiring with its scope and the roles that hold it, and no other', () => {
    const listed = rows(/^\| `(GET|POST|PUT|PATCH|DELETE) \//);
    const expected = routes.map((r) => {
      const route = `\`${r.method} ${r.path}\``;
      if (r.auth.kind === 'public') return [route, 'public', 'anyone'];
      const scope = r.auth.scope;
      return [route, `\`${scope}\``, ROLES.filter((role) => ROLE_SCOPES[role].includes(scope)).join(', ')];
    });
    expect(listed).toEqual(expected);
  });
});
