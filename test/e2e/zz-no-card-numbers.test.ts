import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { findPanSpans, REDACTED_PAN } from '../../shared/privacy/pan.js';
import { personalDataSpans } from '../support/personal-data.js';
import { TERMINAL_FILE } from '../support/platform.js';

/**
 * The platform's own logs after the whole e2e run: every function's full log under `logs/` and the terminal, read
 * with the detector that guards every way in. Other files send card numbers on purpose (a PAN as a payment method,
 * in a body, in headers), and send shoppers' personal data (`test/support/personal-data.ts`: names, emails, phone
 * numbers, address lines, dates of birth); none may have reached a log. This file runs last (`zz-`, and vitest.config.ts's sequencer
 * keeps it last), so it sees everything the run wrote.
 */

const dataDir = inject('dataDir');

/** Where a card-like string sits, and the line around it with the string itself replaced: a report must not leak it again. */
function finding(file: string, number: number, line: string): string[] {
  return findPanSpans(line).map((span) => {
    const excerpt = line.slice(Math.max(0, span.start - 60), span.start) + REDACTED_PAN + line.slice(span.end, span.end + 60);
    return `${file}:${number}:${span.start + 1}: …${excerpt}…`;
  });
}

/** Where a listed piece of personal data sits, the value itself replaced, so the report does not leak it either. */
function personalFinding(file: string, number: number, line: string): string[] {
  return personalDataSpans(line).map((span) => {
    const excerpt = line.slice(Math.max(0, span.start - 60), span.start) + '[personal data]' + line.slice(span.end, span.end + 60);
    return `${file}:${number}:${span.start + 1}: …${excerpt}…`;
  });
}

describe('the logs of the whole e2e run', () => {
  it('hold no card-like string and none of the personal data the tests sent, in any function’s log file or on the terminal', async () => {
    const logs = join(dataDir, 'logs');
    const files = [...(await readdir(logs)).filter((name) => name.endsWith('.log')).map((name) => join('logs', name)), TERMINAL_FILE];
    expect(files).toContain(join('logs', 'platform.log'));
    const findings: string[] = [];
    let lines = 0;
    for (const file of files) {
      const text = await readFile(join(dataDir, file), 'utf8');
      text.split('\n').forEach((line, i) => {
        lines += 1;
        findings.push(...finding(file, i + 1, line), ...personalFinding(file, i + 1, line));
      });
    }
    expect(lines).toBeGreaterThan(100);
    expect(findings).toEqual([]);
  });
});
