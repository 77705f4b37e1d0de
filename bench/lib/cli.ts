export const SECTIONS = ['init', 'import', 'http', 'search', 'checkout', 'order-life', 'console-size'] as const;
export type SectionId = (typeof SECTIONS)[number];

export interface BenchOptions {
  sections: SectionId[];
  /** Smaller sizes and fewer repetitions, for checking that the bench itself works. */
  quick: boolean;
}

/**
 * Reads `--only=init,import` and `--quick`. Unknown flags and section names are errors: a typo
 * silently running the full ten-minute bench, or nothing, is worse than a refusal.
 */
export function parseArgs(argv: readonly string[]): BenchOptions {
  let sections: SectionId[] = [...SECTIONS];
  let quick = false;
  for (const arg of argv) {
    if (arg === '--quick') {
      quick = true;
    } else if (arg.startsWith('--only=')) {
      const names = arg
        .slice('--only='.length)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const unknown = names.filter((n) => !(SECTIONS as readonly string[]).includes(n));
      if (unknown.length > 0 || names.length === 0) {
        throw new Error(`--only takes a comma-separated list of ${SECTIONS.join(', ')}; got "${arg.slice(7)}"`);
      }
      sections = SECTIONS.filter((s) => names.includes(s));
    } else {
      throw new Error(`unknown argument "${arg}"; usage: npm run bench -- [--only=${SECTIONS.join(',')}] [--quick]`);
    }
  }
  return { sections, quick };
}
