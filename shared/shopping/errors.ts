import { AppError, ConflictError, NotFoundError } from '../errors.js';
import { MAX_LIST_LINES, MAX_LISTS } from './model.js';

/**
 * The shopping context's errors. A list of another shopper is never even read (the key is the caller's own
 * partition), so it is the same 404 as a list that does not exist.
 */

export class ListNotFoundError extends NotFoundError {
  override readonly name = 'ListNotFoundError';
  constructor(listId: string) {
    super('Shopping list', listId);
  }
}

/** The shopper already keeps {@link MAX_LISTS} lists. */
export class TooManyListsError extends AppError {
  override readonly name = 'TooManyListsError';
  constructor() {
    super('unprocessable', 'too-many-lists', `You already keep ${MAX_LISTS} shopping lists, the most there can be; delete one first.`, {
      extensions: { maxLists: MAX_LISTS },
    });
  }
}

/** A change would take a list past {@link MAX_LIST_LINES} lines. */
export class TooManyListLinesError extends AppError {
  override readonly name = 'TooManyListLinesError';
  constructor(listId: string, lines: number) {
    super('unprocessable', 'list-too-many-lines', `Shopping list ${listId} would have ${lines} lines; a list takes at most ${MAX_LIST_LINES}.`, {
      extensions: { listId, maxLines: MAX_LIST_LINES },
    });
  }
}

/** The list moved on since the version the change was computed from. */
export class ListVersionMismatchError extends ConflictError {
  override readonly name = 'ListVersionMismatchError';
  constructor(listId: string, current: number, expected: number) {
    super('version-mismatch', `Shopping list ${listId} is at version ${current}, not ${expected}; read it again and reapply the change.`, {
      extensions: { listId, currentVersion: current },
    });
  }
}
