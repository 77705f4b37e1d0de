import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { Page } from '../api.js';
import { ErrorMessage } from './messages.js';

/** A column: its header text and how a row shows in it. */
export interface Column<T> {
  header: string;
  cell: (row: T) => ComponentChildren;
  /** Right-aligned (figures). */
  numeric?: boolean;
}

/** A table with `<th>` headers and a caption (the accessible name tests find it by). */
export function DataTable<T>(props: { caption: string; columns: Column<T>[]; rows: T[]; rowKey: (row: T) => string; empty?: string }) {
  if (props.rows.length === 0) return <p class="empty">{props.empty ?? 'Nothing to show.'}</p>;
  return (
    <table>
      <caption>{props.caption}</caption>
      <thead>
        <tr>
          {props.columns.map((column) => (
            <th key={column.header} scope="col" class={column.numeric ? 'numeric' : undefined}>
              {column.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((row) => (
          <tr key={props.rowKey(row)}>
            {props.columns.map((column) => (
              <td key={column.header} class={column.numeric ? 'numeric' : undefined}>
                {column.cell(row)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The state of a paged listing: its rows so far, whether more follow, and how to get them. */
export interface Paged<T> {
  rows: T[];
  loading: boolean;
  error: unknown;
  hasMore: boolean;
  loadMore: () => void;
  reload: () => void;
}

/**
 * Pages through a listing that answers `{ items, nextCursor }`: `fetchPage(cursor)` gets one page. The listing starts
 * again whenever a value in `deps` changes; an answer for stale `deps` is dropped.
 */
export function usePaged<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>, deps: unknown[]): Paged<T> {
  const [rows, setRows] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | undefined>();
  const [hasMore, setHasMore] = useState(false);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>();
  const generation = useRef(0);
  const fetcher = useRef(fetchPage);
  fetcher.current = fetchPage;

  const load = useCallback(async (from: string | undefined, append: boolean) => {
    const mine = ++generation.current;
    setLoading(true);
    setError(undefined);
    try {
      const page = await fetcher.current(from);
      if (mine !== generation.current) return;
      setRows((before) => (append ? [...before, ...page.items] : page.items));
      setCursor(page.nextCursor ?? undefined);
      setHasMore(Boolean(page.nextCursor));
    } catch (failure) {
      if (mine === generation.current) setError(failure);
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    setRows([]);
    void load(undefined, false);
  }, deps);

  return { rows, loading, error, hasMore, loadMore: () => void load(cursor, true), reload: () => void load(undefined, false) };
}

/** A paged table: the rows so far, its error, and a "Load more" button while `nextCursor` says more follow. */
export function PagedTable<T>(props: { caption: string; columns: Column<T>[]; paged: Paged<T>; rowKey: (row: T) => string; empty?: string }) {
  const { paged } = props;
  return (
    <div class="paged">
      <ErrorMessage error={paged.error} />
      {paged.loading && paged.rows.length === 0 ? (
        <p class="loading">Loading…</p>
      ) : (
        <DataTable caption={props.caption} columns={props.columns} rows={paged.rows} rowKey={props.rowKey} empty={props.empty} />
      )}
      {paged.hasMore ? (
        <button type="button" onClick={paged.loadMore} disabled={paged.loading}>
          Load more
        </button>
      ) : null}
    </div>
  );
}
