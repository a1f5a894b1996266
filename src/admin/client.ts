/**
 * The dashboard's client for /api/admin/ (same origin, session cookie): framework-free, like the
 * REST adapter, and the one place the admin wire format is read in the browser. Each failure is
 * an `AdminError` carrying the server's message, so the dashboard can show it as is.
 */

export type AdminStatus = 'pending' | 'approved' | 'spam' | 'deleted';
export type AdminAction = 'approve' | 'spam' | 'delete';

/** A comment as the site owner sees it (email included). */
export interface AdminComment {
  id: string;
  threadId: string;
  threadTitle: string | null;
  /** The thread's page address. */
  threadUrl: string | null;
  /** What the comment's page sent: approving a held comment names an untitled thread after it. */
  pageTitle: string | null;
  pageUrl: string | null;
  parentId: string | null;
  status: AdminStatus;
  body: string;
  /** `avatarSeed`: the identicon readers see next to the comment. */
  /** `verifiedBy`: how a signed-in author signed in (the verified mark); absent for a guest. */
  author: { name: string; email: string; url: string | null; avatarSeed: string; verifiedBy?: string };
  createdAt: string;
  updatedAt: string | null;
  /** Counts the comment's edits: an approval names the one the owner read. */
  revision: number;
  isOwner?: true;
}

/** What an action names of a comment: which one, and the revision of it the owner read. */
export type AdminTarget = Pick<AdminComment, 'id' | 'revision'>;

export interface AdminQuery {
  status: AdminStatus | 'all';
  thread?: string;
  q?: string;
  cursor?: string;
}

export class AdminError extends Error {
  override readonly name = 'AdminError';
  constructor(
    readonly status: number,
    message: string,
    /** The input the server named as at fault, e.g. `title` or `pageUrl`. */
    readonly field?: string,
  ) {
    super(message);
  }
}

export interface AdminClient {
  signIn(password: string): Promise<void>;
  /** Ends this session; with `everywhere`, every session of every browser (a cookie may have been stolen). */
  signOut(everywhere?: boolean): Promise<void>;
  counts(): Promise<Record<AdminStatus, number>>;
  list(query: AdminQuery): Promise<{ comments: AdminComment[]; nextCursor: string | null }>;
  /** Rejects with a 409 AdminError when a comment to approve was edited since it was listed. */
  act(comments: AdminTarget[], action: AdminAction): Promise<void>;
  edit(id: string, body: string): Promise<void>;
  /** Answering a held comment approves it: rejects like `act` when it was edited since it was listed. */
  reply(comment: AdminTarget, body: string): Promise<void>;
  /** Replaces a thread's title and page address; an empty one clears it. */
  updateThread(id: string, changes: { title: string; url: string }): Promise<void>;
}

export function createAdminClient(base = '/api/admin', send: typeof fetch = (...args) => fetch(...args)): AdminClient {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await send(base + path, {
        method,
        credentials: 'same-origin',
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch {
      throw new AdminError(0, 'The server cannot be reached. Check your connection and try again.');
    }
    if (response.status === 204) return undefined as T;
    const data = (await response.json().catch(() => null)) as { error?: { message?: string; field?: unknown } } | null;
    if (!response.ok) {
      const field = typeof data?.error?.field === 'string' ? data.error.field : undefined;
      throw new AdminError(response.status, data?.error?.message ?? `The server answered ${response.status}.`, field);
    }
    return data as T;
  }
  return {
    signIn: (password) => call('POST', '/session', { password }),
    signOut: (everywhere) => call('DELETE', everywhere ? '/session?everywhere=1' : '/session'),
    counts: async () => (await call<{ counts: Record<AdminStatus, number> }>('GET', '/counts')).counts,
    list: ({ status, thread, q, cursor }) => {
      const params = new URLSearchParams({ status });
      if (thread) params.set('thread', thread);
      if (q) params.set('q', q);
      if (cursor) params.set('cursor', cursor);
      return call('GET', `/comments?${params}`);
    },
    act: (comments, action) =>
      call('POST', '/comments/actions', {
        ids: comments.map((c) => c.id),
        action,
        revisions: Object.fromEntries(comments.map((c) => [c.id, c.revision])),
      }),
    edit: (id, body) => call('PATCH', `/comments/${encodeURIComponent(id)}`, { body }),
    reply: ({ id, revision }, body) => call('POST', `/comments/${encodeURIComponent(id)}/reply`, { body, revision }),
    updateThread: (id, changes) => call('PATCH', `/threads/${encodeURIComponent(id)}`, changes),
  };
}
