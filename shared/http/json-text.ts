/** What is wrong with a JSON text: where, never what (the text may hold anything, a card number included). */
export type JsonTextProblem =
  | { kind: 'too-deep'; line: number; column: number }
  | { kind: 'malformed'; line: number; column: number }
  | { kind: 'incomplete' };

/** Objects and arrays nested deeper than this are refused: no request or import row of ours needs more than a few levels. */
export const MAX_JSON_DEPTH = 64;

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;

type Expect = 'value' | 'value-or-end' | 'key' | 'key-or-end' | 'colon' | 'comma-or-end' | 'nothing';

/** The end of the string starting at `at` (a `"`), or the offset of the first thing wrong in it (negated, minus one). */
function stringEnd(text: string, at: number): number {
  let i = at + 1;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === 0x22) return i + 1;
    if (code < 0x20) return -i - 1;
    if (code === 0x5c) {
      ESCAPE.lastIndex = i;
      if (!ESCAPE.test(text)) return -i - 1;
      i = ESCAPE.lastIndex;
    } else {
      i += 1;
    }
  }
  return -text.length - 1;
}

/** The end of the number, `true`, `false` or `null` starting at `at`, or -1 when there is none. */
function scalarEnd(text: string, at: number): number {
  for (const literal of ['true', 'false', 'null']) if (text.startsWith(literal, at)) return at + literal.length;
  NUMBER.lastIndex = at;
  return NUMBER.test(text) ? NUMBER.lastIndex : -1;
}

function where(text: string, offset: number, kind: 'too-deep' | 'malformed'): JsonTextProblem {
  if (offset >= text.length) return { kind: 'incomplete' };
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  return { kind, line, column: offset - lineStart + 1 };
}

/**
 * Checks a JSON text (RFC 8259) in one pass without recursion and without building anything, and
 * reports the first problem: nesting deeper than `maxDepth`, or where the syntax breaks, or that it
 * ends too early. Run before `JSON.parse`, so a body nested thousands of levels deep is refused
 * before anything walks it, and a malformed one is described by its line and column alone (the
 * engine's own messages quote the text).
 * @returns undefined when the text is valid JSON no deeper than `maxDepth`
 */
export function jsonTextProblem(text: string, maxDepth = MAX_JSON_DEPTH): JsonTextProblem | undefined {
  const open: string[] = [];
  let expect: Expect = 'value';
  let i = 0;
  while (true) {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i += 1;
    if (i >= text.length) return expect === 'nothing' ? undefined : { kind: 'incomplete' };
    const c = text[i]!;
    const afterValue = (): Expect => (open.length === 0 ? 'nothing' : 'comma-or-end');
    switch (expect) {
      case 'nothing':
        return where(text, i, 'malformed');
      case 'colon':
        if (c !== ':') return where(text, i, 'malformed');
        i += 1;
        expect = 'value';
        continue;
      case 'comma-or-end':
        if (c === ',') expect = open.at(-1) === '{' ? 'key' : 'value';
        else if (c === (open.at(-1) === '{' ? '}' : ']')) {
          open.pop();
          expect = afterValue();
        } else return where(text, i, 'malformed');
        i += 1;
        continue;
      case 'key':
      case 'key-or-end': {
        if (c === '}' && expect === 'key-or-end') {
          open.pop();
          i += 1;
          expect = afterValue();
          continue;
        }
        if (c !== '"') return where(text, i, 'malformed');
        const end = stringEnd(text, i);
        if (end < 0) return where(text, -end - 1, 'malformed');
        i = end;
        expect = 'colon';
        continue;
      }
      case 'value':
      case 'value-or-end': {
        if (c === ']' && expect === 'value-or-end') {
          open.pop();
          i += 1;
          expect = afterValue();
          continue;
        }
        if (c === '{' || c === '[') {
          if (open.length >= maxDepth) return where(text, i, 'too-deep');
          open.push(c);
          i += 1;
          expect = c === '{' ? 'key-or-end' : 'value-or-end';
          continue;
        }
        const end = c === '"' ? stringEnd(text, i) : scalarEnd(text, i);
        if (end < 0) return where(text, c === '"' ? -end - 1 : i, 'malformed');
        i = end;
        expect = afterValue();
        continue;
      }
    }
  }
}

/** A problem as the predicate of a sentence ("The body " + it): its line and column, never its content. */
export function describeJsonTextProblem(problem: JsonTextProblem, maxDepth = MAX_JSON_DEPTH): string {
  switch (problem.kind) {
    case 'too-deep':
      return `nests objects and arrays deeper than ${maxDepth} levels (line ${problem.line}, column ${problem.column})`;
    case 'malformed':
      return `is not valid JSON: the syntax breaks at line ${problem.line}, column ${problem.column}`;
    case 'incomplete':
      return 'is not valid JSON: it ends before the JSON is complete';
  }
}
