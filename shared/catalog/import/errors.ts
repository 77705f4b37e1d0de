import { AppError } from '../../errors.js';
import { looksLikePan } from '../../privacy/pan.js';
import type { HeaderProblems } from './columns.js';

/**
 * The file as a whole cannot be imported: a bad header, a JSON body that is not an array, an
 * unclosed quote. At upload this is a 400; in the worker it fails the job with this message.
 */
export class ImportFileError extends AppError {
  override readonly name = 'ImportFileError';
  constructor(message: string, extensions?: Record<string, unknown>) {
    super('invalid', 'import-file-invalid', message, extensions ? { extensions } : {});
  }
}

/** A header name as shown back: a card number (someone pasted a row where the header goes) as `*`. */
const shown = (name: string) => (looksLikePan(name) ? '*' : name);

/** Describes a header's problems in one sentence per kind, naming the columns. */
export function headerError(problems: HeaderProblems): ImportFileError {
  const unknown = problems.unknown.map(shown);
  const duplicated = problems.duplicated.map(shown);
  const parts: string[] = [];
  if (problems.missing.length > 0) parts.push(`missing required columns: ${problems.missing.join(', ')}`);
  if (unknown.length > 0) parts.push(`unknown columns: ${unknown.map((c) => c || '(blank)').join(', ')}`);
  if (duplicated.length > 0) parts.push(`columns given twice: ${duplicated.join(', ')}`);
  return new ImportFileError(`The header is not valid: ${parts.join('; ')}.`, {
    missingColumns: problems.missing,
    unknownColumns: unknown,
    duplicatedColumns: duplicated,
  });
}
