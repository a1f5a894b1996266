import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { AdminError, type AdminAction, type AdminClient, type AdminComment, type AdminQuery, type AdminStatus, type AdminTarget } from './client';
import { ColloquyError } from '../core/errors';
import type { Translator } from '../core/i18n';
import { FormField } from '../widget/form-field';
import { CommentRow } from './comment-row';
import { SignIn } from './sign-in';

const statuses: AdminStatus[] = ['pending', 'approved', 'spam', 'deleted'];
const done: Record<AdminAction, string> = { approve: 'approved', spam: 'marked as spam', delete: 'deleted' };
const plural = (n: number) => `${n} comment${n === 1 ? '' : 's'}`;
/** The widget's editor shows a ColloquyError's message; the admin client's errors carry the server's words. */
const forEditor = (error: unknown) =>
  error instanceof AdminError ? new ColloquyError(error.status === 0 ? 'network' : error.status >= 500 ? 'server' : 'invalid', error.message) : error;

/**
 * The moderation dashboard: sign-in, then the pending queue first, with counts per status,
 * filters, search, per-comment and bulk actions. Every result is announced in one polite live
 * region, so a keyboard and screen-reader user hears what each action did; a refused edit or reply
 * is shown in its editor's field instead, where the focus goes.
 */
export function Dashboard({ client, translator }: { client: AdminClient; translator: Translator }) {
  const [signedIn, setSignedIn] = useState<boolean | null>(null);
  const [notice, setNotice] = useState('');
  const [announcement, setAnnouncement] = useState('');
  const [query, setQuery] = useState<AdminQuery>({ status: 'pending' });
  const [thread, setThread] = useState('');
  const [search, setSearch] = useState('');
  const [counts, setCounts] = useState<Record<AdminStatus, number> | null>(null);
  const [comments, setComments] = useState<AdminComment[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());

  const fail = (error: unknown) => {
    if (error instanceof AdminError && error.status === 401) {
      setNotice(error.message);
      setSignedIn(false);
    } else setAnnouncement(error instanceof Error ? error.message : String(error));
  };

  const load = async (more = false) => {
    try {
      const [page, newCounts] = await Promise.all([client.list({ ...query, ...(more && nextCursor ? { cursor: nextCursor } : {}) }), client.counts()]);
      setComments(more ? [...comments, ...page.comments] : page.comments);
      setNextCursor(page.nextCursor);
      setCounts(newCounts);
      setSignedIn(true);
      if (!more) setSelected(new Set());
      return page.comments.length;
    } catch (error) {
      fail(error);
      return null;
    }
  };

  const isSignedIn = signedIn === true;
  // The list reloads when the query changes or the owner signs in, not on every state change that
  // gives `load` a new identity (each page appended, each selection).
  useEffect(() => {
    // Signed out, there is nothing to list: a listing would only answer 401 and replace the sign-out's notice.
    if (signedIn === false) return;
    void load().then((n) => n !== null && setAnnouncement(`${plural(n)} ${query.status === 'all' ? 'in all statuses' : query.status} shown.`));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [query, isSignedIn]);

  /** A comment edited since it was listed was not approved (409): the list shows its text now. */
  const editedSinceListed = (error: unknown) => error instanceof AdminError && error.status === 409;

  const act = async (targets: AdminTarget[], action: AdminAction) => {
    try {
      await client.act(targets, action);
      await load();
      setAnnouncement(`${plural(targets.length)} ${done[action]}.`);
    } catch (error) {
      if (editedSinceListed(error)) await load();
      fail(error);
    }
  };
  // An edit, a reply or a thread's correction: a failure goes back to the row's editor, which shows
  // it (the comment editor as a ColloquyError); a lost session signs out.
  const write = async (run: () => Promise<void>, message: string, forRow: (error: unknown) => unknown = forEditor) => {
    try {
      await run();
    } catch (error) {
      if (error instanceof AdminError && error.status === 401) fail(error);
      if (editedSinceListed(error)) await load();
      throw forRow(error);
    }
    await load();
    setAnnouncement(message);
  };

  const signOut = (everywhere: boolean) =>
    void client.signOut(everywhere).then(() => {
      setNotice(everywhere ? 'Signed out everywhere: every dashboard session has ended.' : 'Signed out.');
      setSignedIn(false);
    }, fail);

  if (signedIn === false) return <SignIn client={client} notice={notice} onSignedIn={() => setSignedIn(true)} />;

  const allSelected = comments.length > 0 && comments.every((c) => selected.has(c.id));
  const toggle = (id: string, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(id);
    else next.delete(id);
    setSelected(next);
  };
  const chosen = comments.filter((c) => selected.has(c.id));

  return (
    <div class="dashboard">
      <header class="admin-header">
        <h1>Moderation</h1>
        <p class="session-actions">
          <button type="button" class="reply" onClick={() => signOut(false)}>
            Sign out
          </button>{' '}
          {/* The title is the button's description for screen readers too. */}
          <button type="button" class="reply" title="Ends every signed-in dashboard, on every device" onClick={() => signOut(true)}>
            Sign out everywhere
          </button>
        </p>
      </header>
      <nav aria-label="Comments by status">
        <ul class="status-tabs">
          {[...statuses, 'all' as const].map((status) => (
            <li key={status}>
              <button
                type="button"
                class={query.status === status ? 'submit' : ''}
                aria-pressed={query.status === status}
                onClick={() => setQuery({ ...query, status })}
              >
                {status === 'all' ? 'All' : status[0]!.toUpperCase() + status.slice(1)}
                {counts && status !== 'all' ? ` (${counts[status]})` : ''}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <form
        role="search"
        class="filters"
        onSubmit={(event) => {
          event.preventDefault();
          setQuery({ status: query.status, ...(thread.trim() ? { thread: thread.trim() } : {}), ...(search.trim() ? { q: search.trim() } : {}) });
        }}
      >
        <FormField id="filter-thread" label="Thread" value={thread} onInput={setThread} />
        <FormField id="filter-search" label="Search text or author" type="search" value={search} onInput={setSearch} />
        <button type="submit">Filter</button>
      </form>
      <div class="bulk" role="group" aria-label="Bulk actions">
        <label>
          <input
            type="checkbox"
            checked={allSelected}
            disabled={!comments.length}
            onChange={(e) => setSelected(new Set(e.currentTarget.checked ? comments.map((c) => c.id) : []))}
          />{' '}
          Select all
        </label>{' '}
        <button type="button" disabled={!chosen.length} onClick={() => void act(chosen, 'approve')}>
          Approve selected
        </button>{' '}
        <button type="button" disabled={!chosen.length} onClick={() => void act(chosen, 'spam')}>
          Mark selected as spam
        </button>{' '}
        <button type="button" disabled={!chosen.length} onClick={() => void act(chosen, 'delete')}>
          Delete selected
        </button>
      </div>
      <p class="status" role="status" aria-live="polite">
        {announcement}
      </p>
      {comments.length === 0 && signedIn && <p class="notes">No comments here.</p>}
      <ul class="comment-list">
        {comments.map((comment) => (
          <CommentRow
            key={comment.id}
            comment={comment}
            translator={translator}
            selected={selected.has(comment.id)}
            onSelect={(on) => toggle(comment.id, on)}
            onAct={(action) => void act([comment], action)}
            onEdit={(body) => write(() => client.edit(comment.id, body), 'Comment saved.')}
            onReply={(body) => write(() => client.reply(comment, body), 'Reply posted.')}
            onThread={(changes) =>
              write(
                () => client.updateThread(comment.threadId, changes),
                'Thread saved.',
                (error) => error,
              )
            }
          />
        ))}
      </ul>
      {nextCursor && (
        <button type="button" onClick={() => void load(true)}>
          {translator.t('loadMore')}
        </button>
      )}
    </div>
  );
}
