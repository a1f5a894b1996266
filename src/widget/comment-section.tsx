import { Fragment, h } from 'preact';
import { useMemo, useRef, useState } from 'preact/hooks';
import type { ResolvedConfig } from '../core/config';
import type { Translator } from '../core/i18n';
import { buildThread, keepUnchanged, withAncestors, type ThreadNode } from '../core/thread';
import type { Comment, KeyValueStore } from '../core/types';
import type { StorageAdapter } from '../adapters/types';
import { CommentForm } from './comment-form';
import type { CommentActions, ThreadView } from './comment-item';
import { CommentList } from './comment-list';
import { isColloquyError } from '../core/errors';
import { useDraft } from './use-draft';
import { findComment, usePermalink } from './use-permalink';
import { focusAfterRender } from './focus-after-render';
import { useComments } from './use-comments';

export interface CommentSectionProps {
  config: ResolvedConfig<StorageAdapter>;
  adapter: StorageAdapter;
  store: KeyValueStore;
  translator: Translator;
}

/**
 * The whole comment section: heading, thread, and the "Leave a Reply" form. It is made anew for each
 * thread (mount keys it by thread), so what it keeps (the comment being replied to, the draft) never
 * has to follow a change of thread.
 */
export function CommentSection({ config, adapter, store, translator }: CommentSectionProps) {
  const { t } = translator;
  const { state, retry, loadMore, apply } = useComments({ adapter, threadId: config.thread, sort: config.sort, pageSize: config.pageSize });
  const [replyTo, setReplyTo] = useState<Comment | null>(null);
  // Here rather than in the form, which is re-created each time it moves under another comment.
  const draft = useDraft(store, config.thread);
  const [announcement, setAnnouncement] = useState('');
  const [notice, setNotice] = useState('');
  const root = useRef<HTMLElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const [highlightedId, focusComment] = usePermalink(root, state.status === 'ready');
  // Unchanged nodes stay the same objects, so that their items are not rendered again.
  const shownNodes = useRef<ThreadNode[]>([]);
  const nodes = useMemo(
    () => (shownNodes.current = keepUnchanged(buildThread(state.comments, { maxDepth: config.maxDepth, sort: config.sort }), shownNodes.current)),
    [state.comments, config.maxDepth, config.sort],
  );
  const replyingTo = replyTo?.id ?? null;
  const affected = useMemo(() => withAncestors(nodes, [highlightedId, replyingTo]), [nodes, highlightedId, replyingTo]);
  // The heading counts what this reader is shown: the public comments (all pages) and, listed to
  // their author alone, the held ones, which the public count leaves out.
  const count = state.total + state.comments.filter((c) => c.status === 'pending' || c.status === 'spam').length;

  const onPosted = (comment: Comment) => {
    apply({ type: 'created', comment });
    setReplyTo(null);
    // Pending or spam: held either way, and told alike (a spam verdict may be a false positive).
    setAnnouncement(comment.status === 'approved' ? t('posted') : t('awaitingModeration'));
    focusComment(comment.id);
  };

  // One object while the thread is shown: the items keep it in the handlers they render once.
  const actions = useMemo((): CommentActions => {
    const signal = () => new AbortController().signal;
    return {
      reply: setReplyTo,
      canEdit: (comment) => adapter.canEdit?.(comment) ?? false,
      update: async (comment, body) => apply({ type: 'updated', comment: await adapter.updateComment(comment.id, { body }, signal()) }),
      async remove(comment) {
        setNotice('');
        if (!confirm(t('confirmDelete'))) return;
        try {
          await adapter.deleteComment(comment.id, signal());
          apply({ type: 'deleted', id: comment.id });
          // The Delete button is gone with it: focus goes to the placeholder a comment with replies
          // leaves, else to the heading, which now says how many are left.
          focusAfterRender(() => findComment(root.current, comment.id) ?? heading.current);
        } catch (error) {
          setNotice(isColloquyError(error) ? error.message : t('unavailable'));
        }
      },
    };
  }, [adapter, apply, t]);

  const form = (
    <CommentForm
      adapter={adapter}
      draft={draft}
      translator={translator}
      threadId={config.thread}
      title={config.title}
      pageUrl={config.url}
      rules={config.validation}
      ssoToken={config.ssoToken}
      replyTo={replyTo}
      onCancelReply={() => {
        setReplyTo(null);
        // The Cancel button goes away with the moved form: give focus back to the Reply it undoes.
        focusAfterRender(() => findComment(root.current, replyTo?.id ?? '')?.querySelector<HTMLElement>('.reply'));
      }}
      onPosted={onPosted}
    />
  );

  const view: ThreadView = { translator, actions, highlightedId, replyingTo, affected };

  return (
    <section ref={root} class="colloquy" data-theme={config.theme} lang={translator.locale} dir={translator.dir} aria-labelledby="comments-title">
      <h2 ref={heading} id="comments-title" class="comments-title" tabIndex={-1}>
        {count ? translator.plural('responses', count, { title: config.title }) : t('noResponses')}
      </h2>
      {state.status === 'loading' && <p class="status">{t('loading')}</p>}
      {nodes.length > 0 && CommentList({ nodes, view, form })}
      {state.nextCursor && (
        <p>
          <button type="button" disabled={state.loadingMore} onClick={loadMore}>
            {t('loadMore')}
          </button>
        </p>
      )}
      {/* The thread could not be loaded (then Retry), or its next page (then Load more again). */}
      {state.error && (
        <p class="error" role="alert">
          {t('loadFailed', { reason: state.error })}
          {state.status === 'error' && (
            <>
              {' '}
              <button type="button" onClick={retry}>
                {t('retry')}
              </button>
            </>
          )}
        </p>
      )}
      {notice && (
        <p class="error" role="alert">
          {notice}
        </p>
      )}
      {!replyTo && form}
      <p class="visually-hidden" role="status" aria-live="polite">
        {announcement}
      </p>
    </section>
  );
}
