import type { ComponentChildren } from 'preact';
import { ApiError } from '../api.js';

/** An error the user must see (`role="alert"`): an `ApiError` shows its title, detail and the fields it names. */
export function ErrorMessage({ error }: { error: unknown }) {
  if (error === undefined || error === null) return null;
  if (error instanceof ApiError) {
    return (
      <div role="alert" class="message error">
        <strong>{error.title}</strong>
        {error.detail ? <span>: {error.detail}</span> : null}
        {error.errors.length > 0 ? (
          <ul>
            {error.errors.map((field) => (
              <li key={field.field}>
                <code>{field.field}</code>: {field.message}
              </li>
            ))}
          </ul>
        ) : null}
      </div>
    );
  }
  return (
    <div role="alert" class="message error">
      {error instanceof Error ? error.message : String(error)}
    </div>
  );
}

/** What a form found wrong before sending anything (`role="alert"`), one line each; nothing when there is none. */
export function ProblemList({ problems }: { problems: readonly string[] }) {
  if (problems.length === 0) return null;
  return (
    <div role="alert" class="message error">
      <ul>
        {problems.map((problem) => (
          <li key={problem}>{problem}</li>
        ))}
      </ul>
    </div>
  );
}

/** A success message (`role="status"`), announced politely. */
export function StatusMessage({ children }: { children?: ComponentChildren }) {
  if (children === undefined || children === null || children === '') return null;
  return (
    <div role="status" class="message success">
      {children}
    </div>
  );
}
