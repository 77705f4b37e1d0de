import { useState } from 'preact/hooks';

/**
 * A button whose action asks first, in the page rather than a browser dialog: "Pack" shows "Pack this order?" with
 * "Confirm" and "Back" buttons; only "Confirm" runs it.
 */
export function ConfirmButton(props: { label: string; question: string; onConfirm: () => void | Promise<unknown>; disabled?: boolean; danger?: boolean }) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button type="button" class={props.danger ? 'danger' : undefined} disabled={props.disabled} onClick={() => setAsking(true)}>
        {props.label}
      </button>
    );
  }
  return (
    <span class="confirm" role="group" aria-label={props.question}>
      <span>{props.question}</span>
      <button
        type="button"
        class={props.danger ? 'danger' : 'primary'}
        disabled={props.disabled}
        onClick={() => {
          setAsking(false);
          void props.onConfirm();
        }}
      >
        Confirm
      </button>
      <button type="button" onClick={() => setAsking(false)}>
        Back
      </button>
    </span>
  );
}
