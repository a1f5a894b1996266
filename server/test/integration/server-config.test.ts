import { describe, expect, it } from 'vitest';
import { defaultServerConfig, resolveServerConfig } from '../../src/config/config';
import { defaultSignInOptions } from '../../src/auth/options';

describe('resolveServerConfig', () => {
  it('defaults to port 8080 on localhost, SQLite in ./data, no CORS origins, 10 writes a minute, a 15-minute edit window', () => {
    expect(resolveServerConfig({}, [])).toEqual({
      port: 8080,
      host: 'localhost',
      databaseUrl: 'sqlite:./data/colloquy.db',
      dbStatementTimeoutMs: 5000,
      dbConnectTimeoutMs: 5000,
      origins: [],
      siteUrl: '',
      rateLimit: 10,
      editWindowMinutes: 15,
      trustProxy: false,
      bodyLimit: 65_536,
      cacheMb: 64,
      demo: '',
      moderation: 'first-time',
      maxLinks: 2,
      blocklist: [],
      moderationWords: [],
      minSubmitSeconds: 3,
      spamChecks: ['honeypot', 'timing', 'duplicates', 'hook'],
      spamCheckTimeoutMs: 2000,
      secret: '',
      adminPassword: '',
      smtpUrl: '',
      mailFrom: '',
      ownerEmail: '',
      publicUrl: '',
      // Nobody signs in unless the owner configures a way (sign-in-config.test.ts).
      signIn: 'optional',
      oidcIssuer: '',
      oidcClientId: '',
      oidcClientSecret: '',
      oidcName: 'OpenID Connect',
      oidc: [],
      githubClientId: '',
      githubClientSecret: '',
      ssoSecret: '',
      ssoPublicKey: '',
      ssoJwksUrl: '',
      ssoAudience: '',
      ssoName: 'site',
      ssoLoginUrl: '',
      ssoLogoutUrl: '',
      emailSignIn: false,
      signedInEditWindowMinutes: 0,
    });
    expect(resolveServerConfig()).toEqual(defaultServerConfig);
  });

  it('reads every environment variable', () => {
    expect(
      resolveServerConfig({
        PORT: '3000',
        HOST: '0.0.0.0',
        DATABASE_URL: 'postgres://colloquy:secret@db.internal:5432/comments',
        COLLOQUY_DB_STATEMENT_TIMEOUT_MS: '2500',
        COLLOQUY_DB_CONNECT_TIMEOUT_MS: '1000',
        COLLOQUY_ORIGINS: 'https://A.example/, https://b.example:8443 ,,',
        COLLOQUY_SITE_URL: 'https://Blog.example:443/',
        COLLOQUY_RATE_LIMIT: '0',
        COLLOQUY_EDIT_WINDOW_MINUTES: '60',
        COLLOQUY_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1, ::1, fd00::/8, loopback',
        COLLOQUY_BODY_LIMIT: '131072',
        COLLOQUY_CACHE_MB: '0',
        COLLOQUY_DEMO: 'demo',
        COLLOQUY_MODERATION: 'all',
        COLLOQUY_MAX_LINKS: '0',
        COLLOQUY_BLOCKLIST: 'casino, cheap pills ,spam.example,@junk.example,203.0.113.0/24,2001:db8::1',
        COLLOQUY_MODERATION_WORDS: 'crypto,',
        COLLOQUY_MIN_SUBMIT_SECONDS: '5',
        COLLOQUY_SPAM_CHECKS: 'Hook, honeypot',
        COLLOQUY_SPAM_CHECK_TIMEOUT_MS: '500',
        COLLOQUY_SECRET: 'a-long-enough-secret',
        COLLOQUY_ADMIN_PASSWORD: ' a long admin password ',
        COLLOQUY_SMTP_URL: 'smtps://user:pass@mail.example:465',
        COLLOQUY_MAIL_FROM: 'Blog comments <comments@blog.example>',
        COLLOQUY_OWNER_EMAIL: 'owner@blog.example',
        COLLOQUY_PUBLIC_URL: 'https://comments.blog.example/',
      }),
    ).toEqual({
      port: 3000,
      host: '0.0.0.0',
      databaseUrl: 'postgres://colloquy:secret@db.internal:5432/comments',
      dbStatementTimeoutMs: 2500,
      dbConnectTimeoutMs: 1000,
      origins: ['https://a.example', 'https://b.example:8443'],
      siteUrl: 'https://blog.example',
      rateLimit: 0,
      editWindowMinutes: 60,
      trustProxy: ['10.0.0.0/8', '127.0.0.1', '::1', 'fd00::/8', 'loopback'],
      bodyLimit: 131_072,
      cacheMb: 0,
      demo: 'demo',
      moderation: 'all',
      maxLinks: 0,
      blocklist: ['casino', 'cheap pills', 'spam.example', '@junk.example', '203.0.113.0/24', '2001:db8::1'],
      moderationWords: ['crypto'],
      minSubmitSeconds: 5,
      spamChecks: ['honeypot', 'hook'],
      spamCheckTimeoutMs: 500,
      secret: 'a-long-enough-secret',
      adminPassword: 'a long admin password',
      smtpUrl: 'smtps://user:pass@mail.example:465',
      mailFrom: 'Blog comments <comments@blog.example>',
      ownerEmail: 'owner@blog.example',
      publicUrl: 'https://comments.blog.example',
      ...defaultSignInOptions,
    });
  });

  it('needs a From address and a public address with an SMTP server, and refuses malformed mail settings', () => {
    const smtp = { COLLOQUY_SMTP_URL: 'smtp://mail.example:587' };
    expect(() => resolveServerConfig(smtp)).toThrow(/COLLOQUY_MAIL_FROM/);
    expect(() => resolveServerConfig({ ...smtp, COLLOQUY_MAIL_FROM: 'a@b.example' })).toThrow(/COLLOQUY_PUBLIC_URL/);
    expect(() => resolveServerConfig({ COLLOQUY_SMTP_URL: 'http://mail.example' })).toThrow(/COLLOQUY_SMTP_URL/);
    expect(() => resolveServerConfig({ COLLOQUY_OWNER_EMAIL: 'not an address' })).toThrow(/COLLOQUY_OWNER_EMAIL/);
    expect(() => resolveServerConfig({}, ['--public-url', 'https://x.example/?a=1'])).toThrow(/--public-url/);
    expect(resolveServerConfig({ ...smtp, COLLOQUY_MAIL_FROM: 'a@b.example' }, ['--public-url', 'http://localhost:8080'])).toMatchObject({
      smtpUrl: 'smtp://mail.example:587',
      publicUrl: 'http://localhost:8080',
    });
  });

  it('reads the moderation options as flags too; off, none and all name the spam checks at once', () => {
    expect(resolveServerConfig({ COLLOQUY_MODERATION: 'all' }, ['--moderation', 'none', '--spam-checks=off', '--blocklist', 'a,b'])).toMatchObject({
      moderation: 'none',
      spamChecks: [],
      blocklist: ['a', 'b'],
    });
    expect(resolveServerConfig({ COLLOQUY_SPAM_CHECKS: 'none' }).spamChecks).toEqual([]);
    expect(resolveServerConfig({ COLLOQUY_SPAM_CHECKS: 'all' }).spamChecks).toEqual(defaultServerConfig.spamChecks);
  });

  it('switches each hold off by its own setting: the link limit with off, a list with off (or by leaving it unset)', () => {
    expect(resolveServerConfig({ COLLOQUY_MAX_LINKS: 'off' }).maxLinks).toBe(false);
    expect(resolveServerConfig({}, ['--max-links=OFF']).maxLinks).toBe(false);
    expect(resolveServerConfig({}, [], { maxLinks: false }).maxLinks).toBe(false);
    expect(resolveServerConfig({}, [], { maxLinks: 'off' }).maxLinks).toBe(false);
    // 0 keeps its meaning: not one link.
    expect(resolveServerConfig({ COLLOQUY_MAX_LINKS: '0' }).maxLinks).toBe(0);
    const file = { blocklist: ['casino'], moderationWords: ['crypto'] };
    expect(resolveServerConfig({}, [], file)).toMatchObject(file);
    expect(resolveServerConfig({ COLLOQUY_BLOCKLIST: 'off', COLLOQUY_MODERATION_WORDS: 'Off' }, [], file)).toMatchObject({
      blocklist: [],
      moderationWords: [],
    });
    expect(resolveServerConfig({}, ['--blocklist', 'off', '--moderation-words=off'], file)).toMatchObject({ blocklist: [], moderationWords: [] });
    // Only a list of exactly "off" means none; within a list it is a word like any other.
    expect(resolveServerConfig({ COLLOQUY_BLOCKLIST: 'off,casino' }).blocklist).toEqual(['off', 'casino']);
  });

  it.each([
    [
      { COLLOQUY_SPAM_CHECKS: 'honeypot,links' },
      [],
      {},
      '"COLLOQUY_SPAM_CHECKS" lists "links", which is no longer',
      'COLLOQUY_MAX_LINKS (off for no limit). Remove "links" from COLLOQUY_SPAM_CHECKS.',
    ],
    [{ COLLOQUY_SPAM_CHECKS: 'blocklist' }, [], {}, '"COLLOQUY_SPAM_CHECKS" lists "blocklist", which is no longer', 'COLLOQUY_BLOCKLIST (off for none)'],
    [{}, ['--spam-checks', 'timing,Links'], {}, '"--spam-checks" lists "links"', 'its own setting, --max-links (off for no limit)'],
    [{}, [], { spamChecks: ['honeypot', 'blocklist'] }, '"spamChecks (config file)" lists "blocklist"', 'its own setting, blocklist (off for none)'],
    [{}, [], { spamChecks: 'links' }, '"spamChecks (config file)" lists "links"', 'its own setting, maxLinks (off for no limit)'],
  ] as [Record<string, string>, string[], Record<string, unknown>, string, string][])(
    'refuses a spam-check list that still names the link limit or the blocklist: %j %j %j',
    (env, argv, file, start, setting) => {
      expect(() => resolveServerConfig(env, argv, file)).toThrow(`[colloquy] option ${start}`);
      expect(() => resolveServerConfig(env, argv, file)).toThrow(setting);
    },
  );

  it('names both settings when the old list names both', () => {
    expect(() => resolveServerConfig({ COLLOQUY_SPAM_CHECKS: 'honeypot,timing,duplicates,links,blocklist,hook' })).toThrow(
      '[colloquy] option "COLLOQUY_SPAM_CHECKS" lists "links" and "blocklist", which are no longer spam checks: the link limit and the blocklist always apply ' +
        'and have their own settings, COLLOQUY_MAX_LINKS (off for no limit) and COLLOQUY_BLOCKLIST (off for none). Remove them from COLLOQUY_SPAM_CHECKS.',
    );
  });

  it('refuses an admin password shorter than 12 characters, naming the variable', () => {
    expect(() => resolveServerConfig({ COLLOQUY_ADMIN_PASSWORD: 'short' })).toThrow(/COLLOQUY_ADMIN_PASSWORD.*at least 12/);
  });

  it('never repeats the secret in its error', () => {
    expect(() => resolveServerConfig({ COLLOQUY_SECRET: 'short-secret' })).toThrow(/COLLOQUY_SECRET" must be at least 16/);
    expect(() => resolveServerConfig({ COLLOQUY_SECRET: 'short-secret' })).not.toThrow(/short-secret/);
  });

  it('lets flags override the environment, as --flag value or --flag=value', () => {
    const config = resolveServerConfig({ PORT: '3000', DATABASE_URL: 'sqlite:/var/lib/a.db' }, [
      '--port',
      '4000',
      '--database-url=sqlite::memory:',
      '--trust-proxy',
      'off',
    ]);
    expect(config).toMatchObject({ port: 4000, databaseUrl: 'sqlite::memory:', trustProxy: false });
  });

  it('treats an empty variable as unset', () => {
    expect(resolveServerConfig({ PORT: '', HOST: ' ', COLLOQUY_ORIGINS: '' })).toEqual(defaultServerConfig);
  });

  it.each([
    [{ PORT: 'abc' }, [], 'PORT'],
    [{ PORT: '65536' }, [], 'PORT'],
    [{ PORT: '-1' }, [], 'PORT'],
    [{ PORT: '80.5' }, [], 'PORT'],
    [{ HOST: 'local host' }, [], 'HOST'],
    [{ DATABASE_URL: 'mysql://localhost/db' }, [], 'DATABASE_URL'],
    [{ DATABASE_URL: 'sqlite:' }, [], 'DATABASE_URL'],
    [{ DATABASE_URL: './data/colloquy.db' }, [], 'DATABASE_URL'],
    [{ COLLOQUY_ORIGINS: 'https://a.example/blog' }, [], 'COLLOQUY_ORIGINS'],
    [{ COLLOQUY_ORIGINS: 'a.example' }, [], 'COLLOQUY_ORIGINS'],
    [{ COLLOQUY_ORIGINS: 'ftp://a.example' }, [], 'COLLOQUY_ORIGINS'],
    [{ COLLOQUY_ORIGINS: '*' }, [], 'COLLOQUY_ORIGINS'],
    [{ COLLOQUY_SITE_URL: 'https://blog.example/posts/' }, [], 'COLLOQUY_SITE_URL'],
    [{ COLLOQUY_SITE_URL: 'https://a.example,https://b.example' }, [], 'COLLOQUY_SITE_URL'],
    [{}, ['--site-url', 'blog.example'], '--site-url'],
    [{ COLLOQUY_RATE_LIMIT: '-5' }, [], 'COLLOQUY_RATE_LIMIT'],
    [{ COLLOQUY_RATE_LIMIT: 'lots' }, [], 'COLLOQUY_RATE_LIMIT'],
    [{ COLLOQUY_EDIT_WINDOW_MINUTES: '1.5' }, [], 'COLLOQUY_EDIT_WINDOW_MINUTES'],
    [{ COLLOQUY_TRUST_PROXY: 'true' }, [], 'COLLOQUY_TRUST_PROXY'],
    [{ COLLOQUY_TRUST_PROXY: '10.0.0.0/33' }, [], 'COLLOQUY_TRUST_PROXY'],
    [{ COLLOQUY_TRUST_PROXY: 'proxy.internal' }, [], 'COLLOQUY_TRUST_PROXY'],
    [{ COLLOQUY_BODY_LIMIT: '100' }, [], 'COLLOQUY_BODY_LIMIT'],
    [{ COLLOQUY_MODERATION: 'some' }, [], 'COLLOQUY_MODERATION'],
    [{ COLLOQUY_MODERATION: 'First-Time' }, [], 'COLLOQUY_MODERATION'],
    [{ COLLOQUY_MAX_LINKS: '-1' }, [], 'COLLOQUY_MAX_LINKS'],
    [{ COLLOQUY_MAX_LINKS: 'none' }, [], 'COLLOQUY_MAX_LINKS'],
    [{ COLLOQUY_MAX_LINKS: '1001' }, [], 'COLLOQUY_MAX_LINKS'],
    [{}, ['--max-links', 'unlimited'], '--max-links'],
    [{ COLLOQUY_BLOCKLIST: 'casino,10.0.0.0/33' }, [], 'COLLOQUY_BLOCKLIST'],
    [{ COLLOQUY_MODERATION_WORDS: '2001:db8::/200' }, [], 'COLLOQUY_MODERATION_WORDS'],
    [{ COLLOQUY_MIN_SUBMIT_SECONDS: '2.5' }, [], 'COLLOQUY_MIN_SUBMIT_SECONDS'],
    [{ COLLOQUY_SPAM_CHECKS: 'honeypot,captcha' }, [], 'COLLOQUY_SPAM_CHECKS'],
    [{ COLLOQUY_SPAM_CHECK_TIMEOUT_MS: '0' }, [], 'COLLOQUY_SPAM_CHECK_TIMEOUT_MS'],
    [{ COLLOQUY_DB_STATEMENT_TIMEOUT_MS: '0' }, [], 'COLLOQUY_DB_STATEMENT_TIMEOUT_MS'],
    [{}, ['--db-connect-timeout-ms', '5s'], '--db-connect-timeout-ms'],
    [{ COLLOQUY_SECRET: 'too-short' }, [], 'COLLOQUY_SECRET'],
    [{}, ['--moderation', 'strict'], '--moderation'],
    [{}, ['--port', 'http'], '--port'],
    [{ PORT: '3000' }, ['--port=99999'], '--port'],
    [{}, ['--port'], '--port'],
    [{}, ['--port', '--host', 'x'], '--port'],
    [{}, ['--verbose'], '--verbose'],
    [{}, ['8080'], '8080'],
  ] as [Record<string, string>, string[], string][])('%j %j throws one [colloquy] error naming %s', (env, argv, name) => {
    expect(() => resolveServerConfig(env, argv)).toThrow(`[colloquy] option "${name}"`);
  });
});
