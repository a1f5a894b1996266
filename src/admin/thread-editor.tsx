import { h } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { AdminError } from './client';
import type { Translator } from '../core/i18n';
import { FormField } from '../widget/form-field';

interface ThreadEditorProps {
  /** Prefix of the fields' ids, unique in the page. */
  id: string;
  title: string | null;
  url: string | null;
  translator: Translator;
  /** Saves both fields (an empty one clears it); rejects with the server's reason, an AdminError naming its field. */
  onSave(changes: { title: string; url: string }): Promise<unknown>;
  onClose(): void;
}

type Field = 'title' | 'url';

/**
 * The owner's correction of what a thread is called and where its page is: feeds and mails show
 * both. It takes focus when it opens; a refusal goes to the field the server named (the page
 * address is its `pageUrl`), which takes the focus again and announces it.
 */
export function ThreadEditor({ id, title, url, translator: { t }, onSave, onClose }: ThreadEditorProps) {
  const [values, setValues] = useState<Record<Field, string>>({ title: title ?? '', url: url ?? '' });
  const [error, setError] = useState<{ field: Field; message: string } | null>(null);
  const [saving, setSaving] = useState(false);
  const fields = useRef<Partial<Record<Field, HTMLElement | null>>>({});
  useEffect(() => fields.current[error?.field ?? 'title']?.focus(), [error]);
  const save = async (event: Event) => {
    event.preventDefault();
    setSaving(true);
    try {
      await onSave(values);
      onClose();
    } catch (failure) {
      const field = failure instanceof AdminError && failure.field === 'pageUrl' ? 'url' : 'title';
      setError({ field, message: failure instanceof Error ? failure.message : t('unavailable') });
    }
    setSaving(false);
  };
  const field = (name: Field, label: string, hint: string) => (
    <FormField
      id={`${id}-${name}`}
      label={label}
      type={name === 'url' ? 'url' : 'text'}
      hint={hint}
      value={values[name]}
      error={error?.field === name ? error.message : undefined}
      inputRef={(element) => (fields.current[name] = element)}
      onInput={(value) => setValues({ ...values, [name]: value })}
    />
  );
  return (
    <form class="thread-editor" onSubmit={save}>
      {field('title', 'Thread title', 'Shown in feeds and mails. Empty: the thread id.')}
      {field('url', 'Page address', 'The page the thread is on, on your site. Empty: none.')}
      <button type="submit" disabled={saving}>
        {t('save')}
      </button>{' '}
      <button type="button" onClick={onClose}>
        {t('cancel')}
      </button>
    </form>
  );
}
