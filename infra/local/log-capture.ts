import { PLATFORM_LOG, type LocalConsole } from './console.js';
import type { InvocationScope } from './invocations.js';

type Write = NodeJS.WriteStream['write'];

/**
 * Takes over the process's stdout and stderr the way Lambda takes over a function's: whatever is written during an
 * invocation (Powertools entries, a library's console.log) is that function's log, kept in its file and shown as the
 * console's level allows; a JSON log entry written outside any invocation goes to the platform's log. The runtime's
 * own lines, and anything else, reach the terminal unchanged. The console must write to the terminal through a
 * writer bound before this is called.
 * @returns a function that gives stdout and stderr back
 */
export function captureOutput(scope: InvocationScope, out: LocalConsole): () => void {
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((stream) => stream.write);
  streams.forEach((stream, i) => {
    const original = originals[i]!.bind(stream) as Write;
    stream.write = ((chunk: string | Uint8Array, encoding?: BufferEncoding | ((error?: Error | null) => void), callback?: (error?: Error | null) => void) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      const fnId = scope.current() ?? (text.startsWith('{"level"') ? PLATFORM_LOG : undefined);
      if (fnId === undefined) return original(chunk, encoding as BufferEncoding, callback);
      out.functionOutput(fnId, text);
      (typeof encoding === 'function' ? encoding : callback)?.();
      return true;
    }) as Write;
  });
  return () => streams.forEach((stream, i) => (stream.write = originals[i]!));
}
