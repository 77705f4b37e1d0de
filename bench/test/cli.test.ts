import { describe, expect, it } from 'vitest';
import { parseArgs } from '../lib/cli.js';

describe('parseArgs', () => {
  it('runs every section at full size by default', () => {
    expect(parseArgs([])).toEqual({ sections: ['init', 'import', 'http', 'search', 'checkout', 'order-life', 'console-size'], quick: false });
  });

  it('keeps the canonical section order whatever order --only lists them in', () => {
    expect(parseArgs(['--only=http,init']).sections).toEqual(['init', 'http']);
  });

  it('turns on quick mode', () => {
    expect(parseArgs(['--quick', '--only=import'])).toEqual({ sections: ['import'], quick: true });
  });

  it('refuses an unknown section instead of silently running nothing', () => {
    expect(() => parseArgs(['--only=init,imprt'])).toThrow(/imprt/);
  });

  it('refuses an empty --only', () => {
    expect(() => parseArgs(['--only='])).toThrow(/--only/);
  });

  it('refuses an unknown flag instead of running the full bench', () => {
    expect(() => parseArgs(['--fast'])).toThrow(/unknown argument "--fast"/);
  });
});
