import { ImportFileError } from './errors.js';

/** One top-level element of a JSON array, still as text, with its 1-based position. */
export interface JsonElement {
  index: number;
  text: string;
}

/** A single row larger than this is not a catalog row; stopping bounds memory on hostile input. */
export const MAX_ELEMENT_CHARS = 1024 * 1024;

const WHITESPACE = new Set([' ', '\t', '\n', '\r', '\uFEFF']);

type Phase = 'start' | 'first' | 'next' | 'element' | 'after' | 'end';

/**
 * Splits a streamed JSON array into its top-level elements without holding more than one element
 * in memory, so a 100k-row JSON import streams like a CSV does. It tracks only strings and nesting
 * depth; each element is then parsed on its own, so a malformed element is that row's error while
 * a broken array structure (no `[`, unclosed, trailing data) fails the file.
 */
export async function* jsonArrayElements(chunks: AsyncIterable<string>): AsyncGenerator<JsonElement> {
  let phase = 'start' as Phase;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let pending = '';
  let index = 0;

  for await (const chunk of chunks) {
    let start = phase === 'element' ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (phase === 'element') {
        if (inString) {
          if (escaped) escaped = false;
          else if (c === '\\') escaped = true;
          else if (c === '"') inString = false;
          continue;
        }
        if (c === '"') inString = true;
        else if (c === '{' || c === '[') depth++;
        else if ((c === '}' || c === ']') && depth > 0) depth--;
        else if (c === '}') throw new ImportFileError(`The JSON is malformed: unexpected } after row ${index}.`);
        else if (depth === 0 && (c === ',' || c === ']')) {
          const text = pending + chunk.slice(start, i);
          pending = '';
          index++;
          yield { index, text };
          phase = c === ',' ? 'next' : 'end';
        }
        continue;
      }
      if (WHITESPACE.has(c)) continue;
      switch (phase) {
        case 'start':
          if (c !== '[') throw new ImportFileError('A JSON import must be an array of rows: the body does not start with [.');
          phase = 'first';
          break;
        case 'first':
        case 'next':
          if (c === ']') {
            if (phase === 'next') throw new ImportFileError(`The JSON is malformed: a comma after row ${index} is followed by ].`);
            phase = 'end';
            break;
          }
          phase = 'element';
          start = i;
          i--;
          break;
        default:
          throw new ImportFileError(`The JSON is malformed: unexpected content after the closing ] of the array.`);
      }
    }
    if (phase === 'element') {
      pending += chunk.slice(start);
      if (pending.length > MAX_ELEMENT_CHARS) {
        throw new ImportFileError(`Row ${index + 1} is longer than ${MAX_ELEMENT_CHARS} characters; is the JSON malformed?`);
      }
    }
  }
  if (phase !== 'end') {
    throw new ImportFileError(
      phase === 'start' ? 'The body is empty: send a JSON array of rows.' : `The JSON array is not closed: the body ends inside it (after row ${index}).`,
    );
  }
}
