import { useState } from 'preact/hooks';
import { isColloquyError } from '../core/errors';
import type { Translator } from '../core/i18n';

interface CommentEditorProps {
  id: string;
  body: string;
  translator: Translator;
  onSave(body: string): Promise<unknown>;
  onClose(): void;
}

/** Edits a comment in place; on failure the message shows and the edited text stays. */
export function CommentEditor({ id, body, translator: { t }, onSave, onClose }: CommentEditorProps) {
  const [text, setText] = useState(body);
  const [error, setError] = useState('');
  const [saving, setSaving] = useState(false);
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
    <form class="field" onSubmit={save}>
      <label for={`edit-${id}`}>{t('editLabel')}</label>
      <textarea id={`edit-${id}`} value={text} rows={4} autoFocus aria-invalid={!!error || undefined} onInput={(e) => setText(e.currentTarget.value)} />
      {error && <span class="error" role="alert">{error}</span>}
      <button type="submit" disabled={saving}>{t('save')}</button>{' '}
      <button type="button" onClick={onClose}>{t('cancel')}</button>
    </form>
  );
}
