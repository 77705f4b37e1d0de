import { ValidationError } from '../errors.js';

/** A search filter names a category the catalog does not have (400). */
export class UnknownCategoryError extends ValidationError {
  override readonly name = 'UnknownCategoryError';
  constructor(categoryId: string) {
    super([{ field: 'query.category', message: `no category has the id ${categoryId}` }], `No category has the id ${categoryId}.`);
  }
}

/** A cursor that this query did not issue: garbled, edited, or from a search with other terms or filters (400). */
export class InvalidCursorError extends ValidationError {
  override readonly name = 'InvalidCursorError';
  constructor(reason: string) {
    super([{ field: 'query.cursor', message: reason }], 'The cursor is not valid.');
  }
}
