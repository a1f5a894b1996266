import { Fragment, h } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { isColloquyError, type CommentField } from '../core/errors';
import type { Translator } from '../core/i18n';
import type { Comment } from '../core/types';
import { normalizeNewComment, validateNewComment, type FieldProblem, type ValidationRules } from '../core/validation';
import type { SignedInReader, StorageAdapter } from '../adapters/types';
import { FormField } from './form-field';
import type { Draft, DraftValues } from './use-draft';

interface CommentFormProps {
  adapter: StorageAdapter;
  draft: Draft;
  translator: Translator;
  threadId: string;
  title: string;
  pageUrl: string;
  rules: Partial<ValidationRules>;
  /** The host site's sign-in token, for an adapter that offers sign-in. */
  ssoToken: string;
  /** The comment being replied to, or null for a top-level comment. */
  replyTo: Comment | null;
  onCancelReply(): void;
  onPosted(comment: Comment): void;
}

type Errors = Partial<Record<CommentField, string>>;

const fieldOrder = ['body', 'name', 'email', 'url'] as const;
const labelKey = { body: 'comment', name: 'name', email: 'email', url: 'website', parentId: 'comment' } as const;

function describe(t: Translator['t'], { field, problem, limit }: FieldProblem): string {
  const label = t(labelKey[field]);
  if (problem === 'invalid-email') return t('errEmail');
  if (problem === 'invalid-url') return t('errUrl');
  if (problem === 'too-long') return t('errTooLong', { field: label, limit: limit ?? '' });
  return t(problem === 'required' ? 'errRequired' : 'errInvalid', { field: label });
}

/** "Leave a Reply": the WordPress comment form, validated as the server will, never losing a word. */
export function CommentForm(props: CommentFormProps) {
  const { t } = props.translator;
  const [beforeName, afterName] = t('leaveReplyTo').split('{name}');
  const { draft } = props;
  const [errors, setErrors] = useState<Errors>({});
  const [failure, setFailure] = useState('');
  const [posting, setPosting] = useState(false);
  const controls = useRef<Partial<Record<CommentField, HTMLElement | null>>>({});
  // Signed in, the reader's account stands in for the name, email and website fields.
  const [reader, setReader] = useState<SignedInReader | null>(null);
  const signInRow = useRef<HTMLDivElement>(null);
  const { adapter, translator, ssoToken } = props;
  useEffect(
    () => adapter.signIn?.(signInRow.current!, { locale: translator.locale, dir: translator.dir, ssoToken, onChange: setReader }),
    [adapter, translator, ssoToken],
  );

  // Opening a reply puts the reader where they will type, as WordPress does.
  useEffect(() => {
    if (props.replyTo) controls.current.body?.focus();
  }, [props.replyTo]);

  // What the form sends for these values, less the honeypot and the notify box, which are never wrong.
  const inputOf = ({ body, name, email, url }: DraftValues) =>
    normalizeNewComment({
      threadId: props.threadId,
      title: props.title,
      pageUrl: props.pageUrl,
      parentId: props.replyTo?.id ?? null,
      body,
      author: reader ? { name: reader.name, email: '' } : { name, email, url },
    });
  const problemsOf = (values: DraftValues): Errors =>
    Object.fromEntries(
      validateNewComment(inputOf(values), reader ? { ...props.rules, requireEmail: false } : props.rules).map((problem) => [
        problem.field,
        describe(t, problem),
      ]),
    );

  const showErrors = (next: Errors) => {
    setErrors(next);
    const first = fieldOrder.find((field) => next[field]);
    if (first) controls.current[first]?.focus();
  };

  async function submit(event: Event) {
    event.preventDefault();
    if (posting) return;
    const form = event.currentTarget as HTMLFormElement & { website2: HTMLInputElement; notify: HTMLInputElement };
    const problems = problemsOf(draft.values);
    setFailure('');
    if (Object.keys(problems).length) return showErrors(problems);
    setErrors({});
    setPosting(true);
    try {
      const input = { ...inputOf(draft.values), honeypot: form.website2.value, notify: form.notify.checked };
      const { comment } = await props.adapter.createComment(input, new AbortController().signal);
      draft.settle();
      props.onPosted(comment);
    } catch (error) {
      const reason = isColloquyError(error) ? error.message : '';
      setFailure(t('postFailed', { reason }));
      if (isColloquyError(error) && error.field) showErrors({ [error.field]: error.message });
    } finally {
      setPosting(false);
    }
  }

  const field = (name: keyof DraftValues) => ({
    id: name,
    value: draft.values[name],
    error: errors[name],
    inputRef: (element: HTMLElement | null) => (controls.current[name] = element),
    onInput(value: string) {
      draft.update(name, value);
      // A field already marked is checked again as the reader fixes it; fields not marked yet wait
      // for the next submit, so nobody is scolded for a field they have not reached.
      if (errors[name]) setErrors((current) => ({ ...current, [name]: problemsOf({ ...draft.values, [name]: value })[name] }));
    },
  });

  return (
    <div class="respond" id="respond">
      <h3 class="reply-title" id="reply-title">
        {/* The name in a <bdi>, so that bidi characters in it cannot reorder the words around it. */}
        {props.replyTo ? (
          <>
            {beforeName}
            <bdi>{props.replyTo.author.name}</bdi>
            {afterName}
          </>
        ) : (
          t('leaveReply')
        )}
      </h3>
      {/* Outside the heading, which names the form: "Cancel reply" is not part of that name. */}
      {props.replyTo && (
        <button type="button" class="cancel-reply" onClick={props.onCancelReply}>
          {t('cancelReply')}
        </button>
      )}
      <form class="comment-form" noValidate aria-labelledby="reply-title" onSubmit={submit}>
        <p class="notes">
          {t('requiredNote')} <span class="required">*</span>
        </p>
        <div ref={signInRow} />
        <FormField {...field('body')} label={t('comment')} type="textarea" required />
        {!reader && (
          <>
            <FormField {...field('name')} label={t('name')} autoComplete="name" required />
            <FormField
              {...field('email')}
              label={t('email')}
              type="email"
              autoComplete="email"
              hint={t('emailNote')}
              required={props.rules.requireEmail !== false}
            />
            <FormField {...field('url')} label={t('website')} type="url" autoComplete="url" />
          </>
        )}
        {/* The honeypot: people neither see nor reach it; bots that fill in every field do. */}
        <p class="visually-hidden" aria-hidden="true">
          <label for="website2">{t('honeypot')}</label>
          <input id="website2" name="website2" tabIndex={-1} autoComplete="off" />
        </p>
        {!reader && (
          <p class="field-remember">
            <input id="remember" type="checkbox" checked={draft.remember} onChange={(e) => draft.setRemember(e.currentTarget.checked)} />
            <label for="remember">{t('saveDetails')}</label>
          </p>
        )}
        <p class="field-remember">
          <input id="notify" type="checkbox" />
          <label for="notify">{t('notify')}</label>
        </p>
        {failure && (
          <p class="error" role="alert">
            {failure}
          </p>
        )}
        <p class="form-submit">
          <button type="submit" class="submit" disabled={posting} aria-disabled={posting}>
            {posting ? t('posting') : t('post')}
          </button>
        </p>
      </form>
    </div>
  );
}
