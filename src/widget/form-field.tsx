import { h } from 'preact';

interface FormFieldProps {
  id: string;
  label: string;
  value: string;
  required?: boolean;
  error?: string;
  /** A hint shown under the field and announced with it. */
  hint?: string;
  type?: 'text' | 'email' | 'url' | 'search' | 'password' | 'textarea';
  autoComplete?: string;
  inputRef?: (element: HTMLElement | null) => void;
  onInput(value: string): void;
}

/** A labelled field whose hint and error message are tied to it for assistive technology. */
export function FormField({ id, label, value, required, error, hint, type = 'text', autoComplete, inputRef, onInput }: FormFieldProps) {
  // An absent hint or error joins as an empty string.
  const described = [hint && `${id}-hint`, error && `${id}-error`].join(' ').trim() || undefined;
  const common = {
    id,
    ref: inputRef,
    value,
    required, // exposed as required to assistive technology, noValidate form or not
    'aria-invalid': error ? true : undefined,
    'aria-describedby': described,
    onInput: (event: Event) => onInput((event.currentTarget as HTMLInputElement).value),
  };
  // Preact's types tie attributes to one literal input type; the ones used here share them all.
  return (
    <p class={`field field-${id}`}>
      <label for={id}>
        {label}
        {required && (
          <span class="required" aria-hidden="true">
            {' '}
            *
          </span>
        )}
      </label>
      {type === 'textarea' ? <textarea {...common} rows={6} /> : <input {...common} type={type as 'text'} autoComplete={autoComplete} />}
      {hint && (
        <small id={`${id}-hint`} class="hint">
          {hint}
        </small>
      )}
      {error && (
        <span id={`${id}-error`} class="error">
          {error}
        </span>
      )}
    </p>
  );
}
