/**
 * Numbered migrations, one list per engine: entry `i` is version `i + 1`. Applied versions are
 * recorded in `schema_migrations`; a migration never changes once released — add a new entry.
 *
 * Both engines keep the same tables and columns:
 * - `created_at` sorts exactly: SQLite stores fixed-width ISO strings ('YYYY-MM-DDTHH:mm:ss.sssZ'),
 *   PostgreSQL `timestamptz(3)`; both have millisecond precision, as the API does.
 * - ids compare bytewise in both (SQLite's BINARY, PostgreSQL's "C" collation), so keyset pages
 *   follow the same (created_at, id) order in each engine and in JavaScript.
 * - `status` is text with every moderation state, so moderation needs no schema change.
 * - `comments_thread_status` lets a thread's count read the index alone.
 */
export const migrations: { readonly sqlite: readonly string[]; readonly postgres: readonly string[] } = {
  sqlite: [
    `
    CREATE TABLE threads (
      id TEXT PRIMARY KEY,
      title TEXT,
      url TEXT,
      created_at TEXT NOT NULL
    ) STRICT;

    CREATE TABLE comments (
      id TEXT PRIMARY KEY,
      thread_id TEXT NOT NULL REFERENCES threads (id),
      parent_id TEXT REFERENCES comments (id),
      body TEXT NOT NULL,
      author_name TEXT NOT NULL,
      author_email TEXT NOT NULL,
      author_url TEXT,
      avatar_seed TEXT NOT NULL,
      status TEXT NOT NULL DEFAULT 'approved' CHECK (status IN ('approved', 'pending', 'spam', 'deleted')),
      created_at TEXT NOT NULL,
      updated_at TEXT,
      edit_token_hash TEXT NOT NULL,
      idempotency_key TEXT UNIQUE,
      request_hash TEXT
    ) STRICT;

    CREATE INDEX comments_thread_created ON comments (thread_id, created_at, id);
    CREATE INDEX comments_parent ON comments (parent_id);
    CREATE INDEX comments_thread_status ON comments (thread_id, status);
    `,
    // The site-wide feed and the moderation queue: newest comments of one status, read from the index.
    'CREATE INDEX comments_status_created ON comments (status, created_at, id);',
    // Moderation and anti-spam: the body fingerprint that duplicate detection looks up per thread;
    // "has this email an approved comment" (the first-time policy) from a partial index; `settings`
    // for what every process on the database must share (the form-token secret).
    `
    ALTER TABLE comments ADD COLUMN body_fingerprint TEXT;
    CREATE INDEX comments_thread_fingerprint ON comments (thread_id, body_fingerprint, created_at);
    CREATE INDEX comments_approved_email ON comments (lower(author_email)) WHERE status = 'approved';
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
    `,
    // Version 4: replies the site owner writes from the dashboard carry an owner badge (0/1 in both engines).
    'ALTER TABLE comments ADD COLUMN is_owner INTEGER NOT NULL DEFAULT 0;',
    // Notifications: the mail outbox (claimed by due time, which doubles as the lease), thread
    // subscriptions ("notify me of follow-up comments") and the addresses confirmed by double opt-in.
    `
    CREATE TABLE mail_outbox (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      message TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at TEXT NOT NULL,
      last_error TEXT
    ) STRICT;
    CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at);
    CREATE TABLE subscriptions (
      id TEXT PRIMARY KEY,
      email TEXT NOT NULL,
      thread_id TEXT NOT NULL,
      created_at TEXT NOT NULL,
      unsubscribed_at TEXT,
      UNIQUE (thread_id, email)
    ) STRICT;
    CREATE TABLE confirmed_emails (email TEXT PRIMARY KEY, confirmed_at TEXT NOT NULL) STRICT;
    `,
    // Version 6: each subscription is confirmed on its own (a confirmed address no longer lets anyone
    // sign it up for other threads), by the nonce of its latest confirmation mail; confirmation mails
    // are counted per address. The outbox also holds notification jobs, queued with their comment.
    `
    ALTER TABLE subscriptions ADD COLUMN confirmed_at TEXT;
    ALTER TABLE subscriptions ADD COLUMN confirm_nonce TEXT;
    ALTER TABLE subscriptions ADD COLUMN confirm_sent_at TEXT;
    UPDATE subscriptions SET confirmed_at = (SELECT confirmed_at FROM confirmed_emails c WHERE c.email = subscriptions.email);
    DROP TABLE confirmed_emails;
    CREATE INDEX subscriptions_email_sent ON subscriptions (email, confirm_sent_at);
    ALTER TABLE mail_outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'mail' CHECK (kind IN ('mail', 'job'));
    `,
    // Version 7: dashboard sessions kept in the database (only a SHA-256 hash of the cookie's token), so
    // signing out ends a session everywhere; fixed-window counters shared by every process on the
    // database (sign-in attempts; comment writes on PostgreSQL).
    `
    CREATE TABLE admin_sessions (
      token_hash TEXT PRIMARY KEY,
      created_at TEXT NOT NULL,
      expires_at TEXT NOT NULL
    ) STRICT;
    CREATE TABLE rate_limits (
      key TEXT PRIMARY KEY,
      count INTEGER NOT NULL,
      reset_at TEXT NOT NULL
    ) STRICT;
    `,
    // Version 8: replies by parent and status, so the public listing's placeholder check (is a reply
    // approved, or a placeholder?) is answered from the index alone at each level. It replaces
    // comments_parent, which served lookups by parent only.
    `
    CREATE INDEX comments_parent_status ON comments (parent_id, status, id);
    DROP INDEX comments_parent;
    `,
    // Version 9: only a published comment names its thread, so each comment keeps the title and page
    // address its page sent (applied when it is approved, where the thread has none) and whether its
    // author asked to follow the thread (asked when it is published). Confirmation mails are counted
    // per mailbox: the address lowercased, without its +tag.
    `
    ALTER TABLE comments ADD COLUMN page_title TEXT;
    ALTER TABLE comments ADD COLUMN page_url TEXT;
    ALTER TABLE comments ADD COLUMN subscribe_author INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE subscriptions ADD COLUMN mailbox TEXT;
    UPDATE subscriptions SET mailbox = CASE WHEN instr(substr(email, 1, instr(email, '@') - 1), '+') > 0
      THEN substr(email, 1, instr(email, '+') - 1) || substr(email, instr(email, '@')) ELSE email END;
    CREATE INDEX subscriptions_mailbox_sent ON subscriptions (mailbox, confirm_sent_at);
    DROP INDEX subscriptions_email_sent;
    `,
    // Version 10: each comment's revision, counted up by every edit, so that the owner approves the text
    // they read (the mail's link and the dashboard name it). Existing comments start at revision 1.
    'ALTER TABLE comments ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;',
    // Version 11: readers who sign in. A user is (provider, subject); `email` is '' when the provider
    // gave none verified. Reader sessions keep only a SHA-256 of their token, like the dashboard's.
    // A comment by a signed-in reader names its user and the way they signed in (the verified mark).
    // Sign-in links mailed to readers: a SHA-256 of the link's token, used once (the row goes).
    `
    CREATE TABLE users (
      id TEXT PRIMARY KEY,
      provider TEXT NOT NULL,
      subject TEXT NOT NULL,
      name TEXT NOT NULL,
      email TEXT NOT NULL,
      avatar_url TEXT,
      blocked_at TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      UNIQUE (provider, subject)
    ) STRICT;
    CREATE TABLE reader_sessions (
      token_hash TEXT PRIMARY KEY,
      user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      created_at TEXT NOT NULL,
      expires_at TEXT NOT NULL
    ) STRICT;
    CREATE INDEX reader_sessions_user ON reader_sessions (user_id);
    ALTER TABLE comments ADD COLUMN user_id TEXT REFERENCES users (id);
    ALTER TABLE comments ADD COLUMN verified_by TEXT;
    CREATE INDEX comments_user ON comments (user_id, status) WHERE user_id IS NOT NULL;
    CREATE TABLE email_sign_ins (
      token_hash TEXT PRIMARY KEY,
      email TEXT NOT NULL,
      name TEXT NOT NULL,
      return_to TEXT NOT NULL,
      created_at TEXT NOT NULL,
      expires_at TEXT NOT NULL
    ) STRICT;
    CREATE INDEX email_sign_ins_expiry ON email_sign_ins (expires_at);
    `,
  ],
  postgres: [
    `
    CREATE TABLE threads (
      id text COLLATE "C" PRIMARY KEY,
      title text,
      url text,
      created_at timestamptz(3) NOT NULL
    );

    CREATE TABLE comments (
      id text COLLATE "C" PRIMARY KEY,
      thread_id text COLLATE "C" NOT NULL REFERENCES threads (id),
      parent_id text COLLATE "C" REFERENCES comments (id),
      body text NOT NULL,
      author_name text NOT NULL,
      author_email text NOT NULL,
      author_url text,
      avatar_seed text NOT NULL,
      status text NOT NULL DEFAULT 'approved' CHECK (status IN ('approved', 'pending', 'spam', 'deleted')),
      created_at timestamptz(3) NOT NULL,
      updated_at timestamptz(3),
      edit_token_hash text NOT NULL,
      idempotency_key text UNIQUE,
      request_hash text
    );

    CREATE INDEX comments_thread_created ON comments (thread_id, created_at, id);
    CREATE INDEX comments_parent ON comments (parent_id);
    CREATE INDEX comments_thread_status ON comments (thread_id, status);
    `,
    'CREATE INDEX comments_status_created ON comments (status, created_at, id);',
    `
    ALTER TABLE comments ADD COLUMN body_fingerprint text;
    CREATE INDEX comments_thread_fingerprint ON comments (thread_id, body_fingerprint, created_at);
    CREATE INDEX comments_approved_email ON comments (lower(author_email)) WHERE status = 'approved';
    CREATE TABLE settings (key text COLLATE "C" PRIMARY KEY, value text NOT NULL);
    `,
    'ALTER TABLE comments ADD COLUMN is_owner smallint NOT NULL DEFAULT 0;',
    `
    CREATE TABLE mail_outbox (
      id bigserial PRIMARY KEY,
      message text NOT NULL,
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz(3) NOT NULL,
      last_error text
    );
    CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at);
    CREATE TABLE subscriptions (
      id text COLLATE "C" PRIMARY KEY,
      email text NOT NULL,
      thread_id text COLLATE "C" NOT NULL,
      created_at timestamptz(3) NOT NULL,
      unsubscribed_at timestamptz(3),
      UNIQUE (thread_id, email)
    );
    CREATE TABLE confirmed_emails (email text PRIMARY KEY, confirmed_at timestamptz(3) NOT NULL);
    `,
    `
    ALTER TABLE subscriptions ADD COLUMN confirmed_at timestamptz(3), ADD COLUMN confirm_nonce text, ADD COLUMN confirm_sent_at timestamptz(3);
    UPDATE subscriptions s SET confirmed_at = c.confirmed_at FROM confirmed_emails c WHERE c.email = s.email;
    DROP TABLE confirmed_emails;
    CREATE INDEX subscriptions_email_sent ON subscriptions (email, confirm_sent_at);
    ALTER TABLE mail_outbox ADD COLUMN kind text NOT NULL DEFAULT 'mail' CHECK (kind IN ('mail', 'job'));
    `,
    `
    CREATE TABLE admin_sessions (
      token_hash text COLLATE "C" PRIMARY KEY,
      created_at timestamptz(3) NOT NULL,
      expires_at timestamptz(3) NOT NULL
    );
    CREATE TABLE rate_limits (
      key text COLLATE "C" PRIMARY KEY,
      count integer NOT NULL,
      reset_at timestamptz(3) NOT NULL
    );
    `,
    // Version 8 (as SQLite's): replies by parent and status, so the public listing's placeholder check (is a reply
    // approved, or a placeholder?) is answered from the index alone at each level. It replaces
    // comments_parent, which served lookups by parent only.
    `
    CREATE INDEX comments_parent_status ON comments (parent_id, status, id);
    DROP INDEX comments_parent;
    `,
    // Version 9 (as SQLite's): each comment keeps its page's title and address and its author's wish to
    // follow the thread, for when it is published; confirmation mails are counted per mailbox.
    `
    ALTER TABLE comments ADD COLUMN page_title text, ADD COLUMN page_url text, ADD COLUMN subscribe_author smallint NOT NULL DEFAULT 0;
    ALTER TABLE subscriptions ADD COLUMN mailbox text;
    UPDATE subscriptions SET mailbox = regexp_replace(email, '^([^+@]*)\\+[^@]*@', '\\1@');
    CREATE INDEX subscriptions_mailbox_sent ON subscriptions (mailbox, confirm_sent_at);
    DROP INDEX subscriptions_email_sent;
    `,
    // Version 10 (as SQLite's).
    'ALTER TABLE comments ADD COLUMN revision integer NOT NULL DEFAULT 1;',
    // Version 11 (as SQLite's): readers who sign in, their sessions, and the user of a comment.
    `
    CREATE TABLE users (
      id text COLLATE "C" PRIMARY KEY,
      provider text COLLATE "C" NOT NULL,
      subject text COLLATE "C" NOT NULL,
      name text NOT NULL,
      email text NOT NULL,
      avatar_url text,
      blocked_at timestamptz(3),
      created_at timestamptz(3) NOT NULL,
      updated_at timestamptz(3) NOT NULL,
      UNIQUE (provider, subject)
    );
    CREATE TABLE reader_sessions (
      token_hash text COLLATE "C" PRIMARY KEY,
      user_id text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      created_at timestamptz(3) NOT NULL,
      expires_at timestamptz(3) NOT NULL
    );
    CREATE INDEX reader_sessions_user ON reader_sessions (user_id);
    ALTER TABLE comments ADD COLUMN user_id text COLLATE "C" REFERENCES users (id), ADD COLUMN verified_by text;
    CREATE INDEX comments_user ON comments (user_id, status) WHERE user_id IS NOT NULL;
    CREATE TABLE email_sign_ins (
      token_hash text COLLATE "C" PRIMARY KEY,
      email text NOT NULL,
      name text NOT NULL,
      return_to text NOT NULL,
      created_at timestamptz(3) NOT NULL,
      expires_at timestamptz(3) NOT NULL
    );
    CREATE INDEX email_sign_ins_expiry ON email_sign_ins (expires_at);
    `,
  ],
};

/** The index every page query must use; the plan tests look for this name. */
export const PAGE_INDEX = 'comments_thread_created';
