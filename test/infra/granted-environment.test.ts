import { describe, expect, it } from 'vitest';
import { logicalIdOf } from '../../infra/cdk/nag.js';
import { grantedVariables, isGrantVariable } from '../../wiring/environment.js';
import { functions } from '../../wiring/index.js';
import { synthesized } from './support/synth.js';
import { resource } from './support/template.js';

const { stack, template } = synthesized('dev');
const envOf = (id: string) =>
  (resource(template, logicalIdOf(stack.functions.get(id) ?? expect.fail(`no function ${id}`))).Properties.Environment as { Variables: Record<string, unknown> })
    .Variables;

describe("a function's environment on AWS", () => {
  it('holds exactly the variables its grants give (grantedVariables, which the local runtime reads too), no other', () => {
    for (const spec of functions) {
      const granted = Object.keys(envOf(spec.id)).filter(isGrantVariable).sort();
      expect(granted, spec.id).toEqual(grantedVariables(spec.access, 'aws').map((v) => v.name).sort());
    }
  });

  it('never holds a secret by value', () => {
    for (const spec of functions) {
      const values = grantedVariables(spec.access, 'local').filter((v) => v.resource.kind === 'secret-value').map((v) => v.name);
      for (const name of values) expect(envOf(spec.id), `${spec.id}: ${name}`).not.toHaveProperty(name);
    }
  });
});
