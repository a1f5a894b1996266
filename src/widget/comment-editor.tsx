import { h } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { isColloquyError } from '../core/errors';
import type { Translator } from '../core/i18n';
import { FormField } from './form-field';

interface CommentEditorProps {
  /** The textarea's id, unique in the shadow root. */
  id: string;
  /** The text to start from: the comment's own to edit it, empty to answer it. */
  body: string;
  translator: Translator;
  /** @default t('editLabel') */
  label?: string;
  /** The submit button's text. @default t('save') */
  submit?: string;
  /** Rejects with a ColloquyError whose message is shown; the text stays for another try. */
  onSave(body: string): Promise<unknown>;
  onClose(): void;
}

/**
 * A comment's text in a labelled textarea, saved in place: the reader's edit in the thread, the
 * owner's edit and reply in the dashboard. It takes focus when it opens, and again with the message
 * when saving fails, which the field's description then announces.
 */
export function CommentEditor({ id, body, translator: { t }, label = t('editLabel'), submit = t('save'), onSave, onClose }: CommentEditorProps) {
  const [text, setText] = useState(body);
  const [error, setError] = useState('');
  const [saving, setSaving] = useState(false);
  const field = useRef<HTMLElement | null>(null);
  useEffect(() => field.current?.focus(), [error]);
  const save = async (event: Event) => {
    event.preventDefault();
    setSaving(true);
    try {
      await onSave(text);
      onClose();
    } catch (failure) {
      setError(isColloquyError(failure) ? failure.message : t('unavailable'));
    }
    setSaving(false);
  };
  return (
    <form onSubmit={save}>
      <FormField id={id} label={label} type="textarea" value={text} error={error} inputRef={(element) => (field.current = element)} onInput={setText} />
      <button type="submit" disabled={saving}>
        {submit}
      </button>{' '}
      <button type="button" onClick={onClose}>
        {t('cancel')}
      </button>
    </form>
  );
}
