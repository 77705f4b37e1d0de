import type { ComponentChildren } from 'preact';
import { useId } from 'preact/hooks';

/** Props every field takes: its label, an error to show under it, and a hint. */
interface FieldProps {
  label: string;
  error?: string | undefined;
  hint?: string;
}

function Wrapper({ id, label, error, hint, children }: FieldProps & { id: string; children: ComponentChildren }) {
  return (
    <div class={error ? 'field invalid' : 'field'}>
      <label for={id}>{label}</label>
      {children}
      {hint ? <small id={`${id}-hint`}>{hint}</small> : null}
      {error ? (
        <small id={`${id}-error`} class="field-error">
          {error}
        </small>
      ) : null}
    </div>
  );
}

function describedBy(id: string, props: FieldProps): string | undefined {
  const ids = [props.hint ? `${id}-hint` : '', props.error ? `${id}-error` : ''].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

/** A labelled text (or number, date, ...) input. */
export function TextField(
  props: FieldProps & {
    value: string;
    onInput: (value: string) => void;
    type?: string;
    required?: boolean;
    min?: number | string;
    max?: number | string;
    step?: number | string;
    placeholder?: string;
    name?: string;
  },
) {
  const id = useId();
  const { label: _label, error, hint: _hint, value, onInput, ...rest } = props;
  return (
    <Wrapper id={id} {...props}>
      <input
        id={id}
        {...rest}
        type={props.type ?? 'text'}
        value={value}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={describedBy(id, props)}
        onInput={(event) => onInput((event.target as HTMLInputElement).value)}
      />
    </Wrapper>
  );
}

/** A labelled select over `options` (value and text). */
export function SelectField(
  props: FieldProps & { value: string; onChange: (value: string) => void; options: { value: string; label: string }[]; required?: boolean; name?: string },
) {
  const id = useId();
  return (
    <Wrapper id={id} {...props}>
      <select
        id={id}
        name={props.name}
        required={props.required}
        value={props.value}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={describedBy(id, props)}
        onChange={(event) => props.onChange((event.target as HTMLSelectElement).value)}
      >
        {props.options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </Wrapper>
  );
}

/** A labelled multi-line text input. */
export function TextArea(props: FieldProps & { value: string; onInput: (value: string) => void; rows?: number; required?: boolean }) {
  const id = useId();
  return (
    <Wrapper id={id} {...props}>
      <textarea
        id={id}
        rows={props.rows ?? 3}
        required={props.required}
        value={props.value}
        aria-describedby={describedBy(id, props)}
        onInput={(event) => props.onInput((event.target as HTMLTextAreaElement).value)}
      />
    </Wrapper>
  );
}

/** A labelled checkbox. */
export function CheckboxField(props: { label: string; checked: boolean; onChange: (checked: boolean) => void; name?: string }) {
  const id = useId();
  return (
    <div class="field checkbox">
      <input id={id} type="checkbox" name={props.name} checked={props.checked} onChange={(event) => props.onChange((event.target as HTMLInputElement).checked)} />
      <label for={id}>{props.label}</label>
    </div>
  );
}

/** The message a problem gives for one field (`errors[].field`), to show under that field. */
export function fieldError(errors: { field: string; message: string }[] | undefined, field: string): string | undefined {
  return errors?.find((error) => error.field === field || error.field.endsWith(`.${field}`))?.message;
}
