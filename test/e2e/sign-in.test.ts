import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import type { AxeResults } from 'axe-core';
import { SignJWT } from 'jose';
import { SMTPServer } from 'smtp-server';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { startOidcProvider } from '../../server/test/identity-providers';
import { commentArticle, field, heading, useDemo, waitForThread } from './harness';

/** A port free now, for a server whose address the provider must know before it starts. */
const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

const port = await freePort();
const origin = `http://127.0.0.1:${port}`;
const SSO_SECRET = 'the-host-site-secret-of-32-chars!';
const oidc = await startOidcProvider({ clientId: 'colloquy', clientSecret: 'colloquy-secret', redirectUri: `${origin}/api/auth/callback/oidc` });

/** A real SMTP server on 127.0.0.1, keeping each mail's raw text by recipient. */
const mails = new Map<string, string>();
const smtp = new SMTPServer({
  disabledCommands: ['AUTH', 'STARTTLS'],
  logger: false,
  onData(stream, session, callback) {
    let raw = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => (raw += chunk));
    stream.on('end', () => {
      mails.set(session.envelope.rcptTo[0]!.address, raw);
      callback();
    });
  },
});
await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
const smtpPort = (smtp.server.address() as { port: number }).port;
afterAll(async () => {
  await oidc.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

const session = useDemo({}, [
  ...['--port', String(port), '--public-url', origin],
  ...['--oidc-issuer', oidc.url, '--oidc-client-id', 'colloquy', '--oidc-client-secret', 'colloquy-secret', '--oidc-name', 'Local ID'],
  ...['--sso-secret', SSO_SECRET, '--sso-name', 'Demo Blog'],
  ...['--email-signin', 'on', '--smtp-url', `smtp://127.0.0.1:${smtpPort}`, '--mail-from', 'Comments <comments@demo.example>'],
]);

const logInButton = (page: Page) => page.getByRole('button', { name: 'Log in with Local ID', exact: true });
const commentingAs = (page: Page) => page.getByText('You are commenting using your Local ID account.');

/** The provider's development login and consent pages, as a reader fills them in. */
async function signInAtProvider(page: Page, login: string) {
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await page.locator('button[type="submit"]').click();
  // The consent page's button, not the login page's a second time before it has gone.
  await page.locator('input[name="prompt"][value="consent"]').waitFor({ state: 'attached' });
  await page.locator('button[type="submit"]').click();
}

/** Signs in through the popup, as a reader would; without `login`, the provider remembers them and the popup closes by itself. */
async function signInInPopup(page: Page, login?: string) {
  const [popup] = await Promise.all([page.waitForEvent('popup'), logInButton(page).click()]);
  if (login !== undefined) {
    await expect.poll(() => page.getByText('Connecting to Local ID…').isVisible()).toBe(true);
    await signInAtProvider(popup, login);
  }
  if (!popup.isClosed()) await popup.waitForEvent('close');
  await commentingAs(page).waitFor();
}

async function axeViolations(page: Page, state: string) {
  await page.addScriptTag({ path: createRequire(import.meta.url).resolve('axe-core/axe.min.js') });
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const violations = await page.evaluate(async () => {
      const { axe } = window as unknown as { axe: { run(context: Document, options: object): Promise<AxeResults> } };
      const results = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
      return results.violations.map((v) => `${v.id}: ${v.help} ${v.nodes.map((n) => JSON.stringify(n.target)).join(' ')}`);
    });
    expect(violations, `axe, ${state}, ${colorScheme}`).toEqual([]);
  }
}

describe('signing in to comment', () => {
  it('signs in through the provider in a popup, keeps the draft, posts as the account, stays signed in, logs out and changes', async () => {
    const { page, openDemo, reload } = session();
    await openDemo();
    await page.getByText('Fill in your details below or click an icon to log in:').waitFor();
    await axeViolations(page, 'signed out');
    await field(page, 'Comment').fill('Written before signing in.');
    await signInInPopup(page, 'ann');

    // Signed in: the account stands for the name, email and website; the draft is still there.
    expect(await page.getByText('Reader ann', { exact: true }).isVisible()).toBe(true);
    expect(await field(page, 'Name').count()).toBe(0);
    expect(await field(page, 'Email').count()).toBe(0);
    expect(await field(page, 'Comment').inputValue()).toBe('Written before signing in.');
    await axeViolations(page, 'signed in');

    await page.getByRole('button', { name: 'Post Comment', exact: true }).click();
    await heading(page, 3).waitFor();
    const mine = commentArticle(page, 'Reader ann');
    expect(await mine.getByRole('img', { name: 'Verified: signed in with Local ID' }).isVisible()).toBe(true);
    // Any other reader sees the mark too, and never an email.
    const listed = await session().listComments();
    expect(listed.comments.at(-1)?.author).toMatchObject({ name: 'Reader ann', verifiedBy: 'Local ID' });
    expect(JSON.stringify(listed)).not.toContain('@oidc.example');

    await reload();
    await commentingAs(page).waitFor();
    // Their own comment is theirs to edit from here, whatever the edit token.
    expect(await mine.getByRole('button', { name: 'Edit', exact: true }).isVisible()).toBe(true);

    await page.getByRole('button', { name: 'Log Out', exact: true }).click();
    await field(page, 'Name').waitFor();
    expect(await logInButton(page).isVisible()).toBe(true);
    await reload();
    await field(page, 'Name').waitFor();

    // The provider remembers them: the popup signs them in and closes at once.
    await signInInPopup(page);
    await page.getByRole('button', { name: 'Change', exact: true }).click();
    await logInButton(page).waitFor();
    expect(await commentingAs(page).count()).toBe(0);
  });

  it('comes back to the page signed in when the popup is blocked (a full-page redirect)', async () => {
    const { page, openDemo } = session();
    await page.addInitScript(() => {
      window.open = () => null;
    });
    // The provider's development pages ask for a web font, which this machine cannot reach: nothing of ours.
    await page.route(/fonts\.googleapis\.com/, (route) => route.fulfill({ contentType: 'text/css', body: '' }));
    await openDemo();
    await logInButton(page).click();
    await signInAtProvider(page, 'carol');
    await waitForThread(page);
    await commentingAs(page).waitFor();
    expect(page.url()).toBe(`${origin}/`);
  });

  it('returns to the form with nothing lost when the popup is closed', async () => {
    const { page, openDemo } = session();
    await openDemo();
    await field(page, 'Comment').fill('Still here.');
    const [popup] = await Promise.all([page.waitForEvent('popup'), logInButton(page).click()]);
    await popup.close();
    await page.getByText('The sign-in window was closed before you were signed in.').waitFor();
    expect(await field(page, 'Comment').inputValue()).toBe('Still here.');
    expect(await logInButton(page).isEnabled()).toBe(true);
  });

  it("signs in with the host site's token, and says why a bad one is refused", async () => {
    const { page } = session();
    const token = (secret: string) =>
      new SignJWT({ name: 'Dana Host' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('host-dana')
        .setAudience(origin)
        .setExpirationTime('10m')
        .sign(new TextEncoder().encode(secret));
    const host = async (ssoToken: string) => {
      await page.goto(`${origin}/`);
      await page.setContent(
        `<!doctype html><html lang="en"><head><title>Host</title></head><body><main><div id="c"></div></main>` +
          `<script src="/colloquy.js" data-target="#c" data-thread="sso-e2e" data-title="SSO" data-api="/" data-sso-token="${ssoToken}"></script></body></html>`,
      );
    };
    await host(await token(SSO_SECRET));
    await page.getByText('You are commenting using your Demo Blog account.').waitFor();
    expect(await page.getByText('Dana Host', { exact: true }).isVisible()).toBe(true);
    // The host's user signed out there: a page without a token has nobody signed in with one.
    await host('');
    await field(page, 'Name').waitFor();
    expect(await page.getByText('You are commenting using your Demo Blog account.').count()).toBe(0);

    session().allowErrors();
    await host(await token('another-secret-of-32-characters!!'));
    await page.getByRole('alert').filter({ hasText: 'The sign-in token is not signed by this site.' }).waitFor();
    expect(await field(page, 'Name').isVisible()).toBe(true);
  });

  it('signs in through a link mailed to the reader, back on the page they came from', async () => {
    const { page, openDemo } = session();
    await openDemo();
    await page.getByRole('button', { name: 'Log in with your email address', exact: true }).click();
    await page.getByRole('textbox', { name: 'Your name', exact: true }).fill('Erin Mail');
    await page.getByRole('textbox', { name: 'Your email address', exact: true }).fill('erin@mail.example');
    // Enter in the row sends the link; it must not post the comment form the row sits in.
    await page.keyboard.press('Enter');
    await page.getByText('Check your inbox: a sign-in link is on its way to erin@mail.example.', { exact: false }).waitFor();
    await expect.poll(() => mails.has('erin@mail.example')).toBe(true);
    const raw = mails
      .get('erin@mail.example')!
      .replace(/=\r\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    const link = /http:\/\/127\.0\.0\.1:\d+\/api\/auth\/email\/confirm\?token=[\w-]{43}/.exec(raw)![0];
    await page.goto(link);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await waitForThread(page);
    await page.getByText('You are commenting using your Email account.').waitFor();
    expect(await page.getByText('Erin Mail', { exact: true }).isVisible()).toBe(true);
    expect((await session().listComments()).comments).toHaveLength(2);
    // Log Out by keyboard alone.
    await page.getByRole('textbox', { name: 'Comment', exact: true }).focus();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');
    await field(page, 'Name').waitFor();
  });
});
