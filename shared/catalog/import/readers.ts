import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { describeJsonTextProblem, jsonTextProblem } from '../../http/json-text.js';
import { headerError, ImportFileError } from './errors.js';
import { headerIsValid, headerProblems } from './columns.js';
import { jsonArrayElements } from './json-array.js';
import type { SourceRecord } from './parse-row.js';

export const IMPORT_FORMATS = ['csv', 'json', 'ndjson'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** The media type each format is sent as, inline or to an upload URL. */
export const MEDIA_TYPE_BY_FORMAT: Readonly<Record<ImportFormat, string>> = {
  csv: 'text/csv',
  json: 'application/json',
  ndjson: 'application/x-ndjson',
};

/** The format each media type names. */
export const FORMAT_BY_MEDIA_TYPE: Readonly<Record<string, ImportFormat>> = Object.fromEntries(
  IMPORT_FORMATS.map((format) => [MEDIA_TYPE_BY_FORMAT[format], format]),
);

/** A cell larger than this means an unclosed quote is swallowing the file; fail early instead of buffering it. */
const MAX_CSV_RECORD_CHARS = 64 * 1024;

/**
 * What is wrong with a CSV, from csv-parse's error code and line: ours, not the library's
 * message, since some of those quote the cell they stopped at.
 */
function csvProblem(error: { code?: unknown; lines?: unknown }): string {
  const at = typeof error.lines === 'number' ? ` at line ${error.lines}` : '';
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return `Quote Not Closed: the file ends inside a quoted cell opened${at || ' somewhere'}`;
    case 'CSV_MAX_RECORD_SIZE':
      return `Max Record Size: a record is longer than ${MAX_CSV_RECORD_CHARS} characters${at}`;
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return `a quoted cell is followed by something other than a comma or a line break${at}`;
    default:
      return `the CSV is malformed${at}`;
  }
}

function isBlank(cells: readonly string[]): boolean {
  return cells.every((c) => c.trim() === '');
}

/**
 * Streams the rows of a CSV file. The first record is the header and must pass `headerProblems`.
 * A row's number is the line it ends on, which is the spreadsheet row number unless a cell holds
 * line breaks. Blank lines and rows of empty cells (spreadsheet exports leave them) are skipped.
 *
 * A quote left open at the end of the file fails it, but only after every row before that quote
 * has been handed on, so what was readable lands whatever the chunking of the stream. (Letting the
 * parser fail would destroy the stream and drop the rows it had already parsed but not yet handed
 * over.) A cell that swallows more than 64 KB fails the file at once.
 */
export async function* csvRecords(input: Readable): AsyncGenerator<SourceRecord> {
  const skipped: { row: number; message: string }[] = [];
  let unclosedQuote: string | undefined;
  const parser = input.pipe(
    parse({
      bom: true,
      info: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      max_record_size: MAX_CSV_RECORD_CHARS,
      skip_records_with_error: true,
      on_skip: (error) => {
        if (!error) return undefined;
        if (error.code === 'CSV_MAX_RECORD_SIZE') throw error;
        if (error.code === 'CSV_QUOTE_NOT_CLOSED') unclosedQuote = csvProblem(error);
        else skipped.push({ row: Number((error as { lines?: unknown }).lines ?? 0), message: `cannot be read as CSV: ${csvProblem(error)}` });
        return undefined;
      },
    }),
  );
  input.on('error', (error) => parser.destroy(error));
  let header: string[] | undefined;
  const skippedBefore = function* (row: number): Generator<SourceRecord> {
    while (skipped.length > 0 && skipped[0]!.row < row) {
      const { row: at, message } = skipped.shift()!;
      yield { row: at, unreadable: message };
    }
  };
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const { record, info } = item;
      if (!header) {
        const problems = headerProblems(record);
        if (!headerIsValid(problems)) throw headerError(problems);
        header = record.map((h) => h.trim());
        continue;
      }
      yield* skippedBefore(info.lines);
      if (isBlank(record)) continue;
      if (record.length !== header.length) {
        yield { row: info.lines, unreadable: `has ${record.length} cells; the header has ${header.length}` };
        continue;
      }
      const cells: Record<string, unknown> = {};
      header.forEach((name, i) => {
        cells[name] = record[i];
      });
      yield { row: info.lines, cells };
    }
  } catch (error) {
    if (error instanceof ImportFileError) throw error;
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('CSV_')) {
      throw new ImportFileError(`The CSV cannot be read: ${csvProblem(error as { code: string })}.`);
    }
    throw error;
  }
  if (!header) throw new ImportFileError('The file is empty: it needs a header row naming the columns.');
  yield* skippedBefore(Number.POSITIVE_INFINITY);
  if (unclosedQuote) throw new ImportFileError(`The CSV cannot be read: ${unclosedQuote}.`);
}

/** One JSON row, checked first so that a malformed or deeply nested one is described by where it breaks, never by what it holds. */
function objectRecord(row: number, text: string): SourceRecord {
  const problem = jsonTextProblem(text);
  if (problem) return { row, unreadable: describeJsonTextProblem(problem) };
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { row, unreadable: 'must be a JSON object with one field per column' };
  }
  return { row, cells: value as Record<string, unknown> };
}

/** Streams the rows of a JSON array; row N is the array's Nth element (1-based). */
export async function* jsonRecords(input: Readable): AsyncGenerator<SourceRecord> {
  input.setEncoding('utf8');
  for await (const element of jsonArrayElements(input as AsyncIterable<string>)) {
    yield objectRecord(element.index, element.text);
  }
}

/** Streams the rows of newline-delimited JSON; row N is line N of the file, and blank lines are skipped. */
export async function* ndjsonRecords(input: Readable): AsyncGenerator<SourceRecord> {
  input.setEncoding('utf8');
  const lines = createInterface({ input, crlfDelay: Infinity });
  let row = 0;
  for await (const line of lines) {
    row++;
    const text = row === 1 ? line.replace(/^\uFEFF/, '') : line;
    if (text.trim() === '') continue;
    yield objectRecord(row, text);
  }
}

/** The rows of an import file of any supported format, streamed. */
export function readRecords(format: ImportFormat, input: Readable): AsyncGenerator<SourceRecord> {
  switch (format) {
    case 'csv':
      return csvRecords(input);
    case 'json':
      return jsonRecords(input);
    case 'ndjson':
      return ndjsonRecords(input);
  }
}
