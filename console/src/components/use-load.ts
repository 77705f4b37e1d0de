import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

/** One thing loaded from the API: its value, whether it is loading, its error, and `reload`. */
export interface Loaded<T> {
  value: T | undefined;
  loading: boolean;
  error: unknown;
  reload: () => void;
}

/** Loads `fetch()` now and again whenever a value in `deps` changes; an answer for stale `deps` is dropped. */
export function useLoad<T>(fetch: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [value, setValue] = useState<T | undefined>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>();
  const generation = useRef(0);
  const fetcher = useRef(fetch);
  fetcher.current = fetch;

  const load = useCallback(async () => {
    const mine = ++generation.current;
    setLoading(true);
    setError(undefined);
    try {
      const result = await fetcher.current();
      if (mine === generation.current) setValue(result);
    } catch (failure) {
      if (mine === generation.current) {
        setValue(undefined);
        setError(failure);
      }
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, []);

  useEffect(() => void load(), deps);
  return { value, loading, error, reload: () => void load() };
}

/**
 * Runs an action (a POST, a PUT) on demand: `run(fn)` keeps its error or its success message for the page to show
 * and ignores clicks while one is running.
 */
export function useAction(): {
  busy: boolean;
  error: unknown;
  message: string | undefined;
  run: (action: () => Promise<string | undefined | void>) => Promise<boolean>;
  clear: () => void;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [message, setMessage] = useState<string | undefined>();
  const running = useRef(false);
  const run = async (action: () => Promise<string | undefined | void>) => {
    if (running.current) return false;
    running.current = true;
    setBusy(true);
    setError(undefined);
    setMessage(undefined);
    try {
      setMessage((await action()) ?? undefined);
      return true;
    } catch (failure) {
      setError(failure);
      return false;
    } finally {
      running.current = false;
      setBusy(false);
    }
  };
  return { busy, error, message, run, clear: () => (setError(undefined), setMessage(undefined)) };
}
