import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { commentArticle, demoThreadId, focusedElement, useDemo, type Session } from './harness';

const PASSWORD = 'correct horse battery staple';

/** Posts through the API as the widget would (with the listing's form token): held, since the server holds everything. */
async function postPending(session: Session, name: string, body: string) {
  const listing = await fetch(`${session.origin}/api/comments?thread=${demoThreadId}`).then((r) => r.json() as Promise<{ formToken: string }>);
  const response = await fetch(`${session.origin}/api/comments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ thread: demoThreadId, body, author: { name, email: `${name.toLowerCase()}@example.com` }, formToken: listing.formToken }),
  });
  const { comment } = (await response.json()) as { comment: { id: string; status: string } };
  expect(comment.status).toBe('pending');
  return comment.id;
}

/** The dashboard asks whether it is signed in by loading; the browser logs that first 401 as an error, which is expected. */
function checkErrors(session: Session) {
  expect(session.errors.filter((error) => !/status of 401/.test(error))).toEqual([]);
  session.allowErrors();
}

const status = (page: Page) => page.getByRole('status');

/** The accessible label (aria-label) of the focused element, looking through the shadow root. */
const focusedLabel = (page: Page) =>
  page.evaluate(() => {
    let element = document.activeElement;
    while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement;
    return element?.getAttribute('aria-label') ?? null;
  });

/** Waits for the button labelled `label`, then presses Tab until it has the focus; false if 40 presses do not get there. */
async function tabTo(page: Page, label: string) {
  await page.getByRole('button', { name: label }).waitFor();
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    if ((await focusedLabel(page)) === label) return true;
  }
  return false;
}

/** Opens the dashboard and signs in with the keyboard alone: the password field is the first stop. */
async function signInByKeyboard({ page, origin }: Session) {
  await page.goto(`${origin}/admin`);
  await page.getByLabel('Password').waitFor();
  await page.keyboard.press('Tab');
  expect((await focusedElement(page))?.id).toBe('admin-password');
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
}

describe('the moderation dashboard', () => {
  const session = useDemo({}, ['--moderation', 'all', '--admin-password', PASSWORD]);

  it('signs in, approves a comment that then shows in the widget, marks one as spam, bulk-deletes two', async () => {
    const s = session();
    const { page } = s;
    await postPending(s, 'Ann', 'Please approve me.');
    await postPending(s, 'Spammer', 'Cheap watches here.');
    await postPending(s, 'Dee', 'Delete me, one.');
    await postPending(s, 'Eve', 'Delete me, two.');

    await page.goto(`${s.origin}/admin`);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('Wrong password.');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.getByRole('button', { name: 'Pending (4)' }).waitFor();
    await page.getByRole('button', { name: 'Approve the comment by Ann' }).click();
    await expect.poll(() => status(page).textContent()).toBe('1 comment approved.');
    await page.getByRole('button', { name: 'Spam the comment by Spammer' }).click();
    await expect.poll(() => status(page).textContent()).toBe('1 comment marked as spam.');

    await page.getByRole('checkbox', { name: 'Select the comment by Dee' }).check();
    await page.getByRole('checkbox', { name: 'Select the comment by Eve' }).check();
    await page.getByRole('button', { name: 'Delete selected' }).click();
    await expect.poll(() => status(page).textContent()).toBe('2 comments deleted.');
    await page.getByText('No comments here.').waitFor();
    await page.getByRole('button', { name: 'Spam (1)' }).waitFor();

    await s.openDemo();
    await commentArticle(page, 'Ann').waitFor();
    await expect(page.getByText('Please approve me.').isVisible()).resolves.toBe(true);
    const { comments } = await s.listComments();
    expect(comments.map((c) => c.author.name)).not.toContain('Spammer');
    expect(comments.map((c) => c.author.name)).not.toContain('Dee');
    checkErrors(s);
  });

  it('replies as the owner; the reply shows in the widget with the Owner badge', async () => {
    const s = session();
    const { page } = s;
    await postPending(s, 'Ann', 'A question?');
    await page.goto(`${s.origin}/admin`);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Approve the comment by Ann' }).click();
    await page.getByRole('button', { name: 'Approved (3)' }).click();
    await page.getByRole('button', { name: 'Reply to Ann' }).click();
    await page.getByLabel('Reply to Ann as the owner').fill('An answer.');
    await page.getByRole('button', { name: 'Post reply' }).click();
    await expect.poll(() => status(page).textContent()).toBe('Reply posted.');
    // The dashboard shows the reply with the widget's header: the same badge, in the widget's words.
    const row = page.getByRole('article', { name: 'Comment by Site owner' });
    await expect(row.getByText('Owner', { exact: true }).isVisible()).resolves.toBe(true);

    await s.openDemo();
    const reply = commentArticle(page, 'Site owner');
    await reply.waitFor();
    await expect(reply.getByText('Owner', { exact: true }).isVisible()).resolves.toBe(true);
    checkErrors(s);
  });

  it('corrects a thread’s title; an address is refused in its field, which takes the focus, until the site is known', async () => {
    const s = session();
    const { page } = s;
    await postPending(s, 'Ann', 'Which post is this?');
    await page.goto(`${s.origin}/admin`);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Edit the thread “Post-Interview Non-Awkwardness”' }).click();
    const title = page.getByRole('textbox', { name: 'Thread title' });
    const address = page.getByRole('textbox', { name: 'Page address' });
    await title.fill('Interviews, afterwards');
    // This server has neither COLLOQUY_SITE_URL nor COLLOQUY_ORIGINS: it can place no address.
    await address.fill(`${s.origin}/`);
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => address.getAttribute('aria-invalid')).toBe('true');
    const addressId = await address.getAttribute('id');
    await expect.poll(async () => (await focusedElement(page))?.id).toBe(addressId);
    await expect(page.getByText(/set COLLOQUY_SITE_URL/).isVisible()).resolves.toBe(true);
    await address.fill('');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => status(page).textContent()).toBe('Thread saved.');
    await expect.poll(() => focusedLabel(page)).toBe('Edit the thread “Interviews, afterwards”');
    const feed = await fetch(`${s.origin}/api/feed.atom?thread=${demoThreadId}`).then((r) => r.text());
    expect(feed).toContain('<title type="text">Comments on Interviews, afterwards</title>');
    // The refused save answered 400, which the browser logs.
    expect(s.errors.filter((error) => !/status of 40[01]/.test(error))).toEqual([]);
    s.allowErrors();
  });

  it('works with the keyboard only: sign in, edit in the widget’s editor (focus comes back to Edit), approve', async () => {
    const s = session();
    const { page } = s;
    await postPending(s, 'Kay', 'Edit me by keyboard.');
    await signInByKeyboard(s);
    expect(await tabTo(page, 'Edit the comment by Kay'), 'Tab reaches the Edit button').toBe(true);
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await focusedElement(page))?.tag).toBe('textarea');
    await expect(page.getByRole('textbox', { name: 'Edit the comment by Kay' }).inputValue()).resolves.toBe('Edit me by keyboard.');
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('Edited by **keyboard**.');
    await page.keyboard.press('Tab');
    expect(await focusedElement(page)).toMatchObject({ tag: 'button', text: 'Save' });
    await page.keyboard.press('Enter');
    await expect.poll(() => status(page).textContent()).toBe('Comment saved.');
    await expect.poll(() => focusedLabel(page)).toBe('Edit the comment by Kay');
    const row = page.getByRole('article', { name: 'Comment by Kay' });
    await expect(row.locator('.comment-content strong').textContent()).resolves.toBe('keyboard');

    // Three Shift+Tabs back along the row (Delete, Spam): Approve, and the edited text is public.
    for (let i = 0; i < 3; i++) await page.keyboard.press('Shift+Tab');
    expect(await focusedLabel(page)).toBe('Approve the comment by Kay');
    await page.keyboard.press('Enter');
    await expect.poll(() => status(page).textContent()).toBe('1 comment approved.');
    const { comments } = await s.listComments();
    expect(comments.find((c) => c.author.name === 'Kay')?.body).toBe('Edited by **keyboard**.');
    checkErrors(s);
  });

  it('signs out everywhere, by keyboard: a dashboard open on another device is signed out too', async () => {
    const s = session();
    const { page } = s;
    // Another device: a browser context of its own, with a cookie of its own. Two sign-ins in all,
    // on this test's own server.
    const device = await s.context.browser()!.newContext();
    try {
      const elsewhere = await device.newPage();
      for (const p of [page, elsewhere]) {
        await signInByKeyboard({ ...s, page: p });
        // Loaded, not only shown: the tab has its count once the first listing has answered, so no
        // listing is still in flight when the sessions end.
        await p.getByRole('button', { name: 'Pending (0)', exact: true }).waitFor();
      }
      await page.getByRole('button', { name: 'Sign out', exact: true }).focus();
      await page.keyboard.press('Tab');
      expect(await focusedElement(page)).toMatchObject({ tag: 'button', text: 'Sign out everywhere' });
      const signedOutAt = s.requests.length;
      await page.keyboard.press('Enter');
      await page.getByText('Signed out everywhere: every dashboard session has ended.').waitFor();
      await elsewhere.reload();
      await elsewhere.getByLabel('Password').waitFor();
      expect(await elsewhere.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
      // The notice stays: signed out, the dashboard lists nothing more. It used to list once more, and
      // that 401 replaced the notice, often before a busy test run could see it.
      expect(s.requests.slice(signedOutAt).filter((url) => /\/api\/admin\/(?:comments|counts)/.test(url))).toEqual([]);
      expect(await page.getByText('Signed out everywhere: every dashboard session has ended.').isVisible()).toBe(true);
    } finally {
      await device.close();
    }
    checkErrors(s);
  });
});

describe('the moderation dashboard in the dark theme', () => {
  const session = useDemo({ colorScheme: 'dark' }, ['--admin-password', PASSWORD]);

  it('themes the whole page, not only the dashboard: no light frame around it', async () => {
    const { page, origin } = session();
    await page.goto(`${origin}/admin`);
    await page.getByLabel('Password').waitFor();
    const colors = await page.evaluate(() => {
      const dashboard = document.getElementById('colloquy-admin')?.shadowRoot?.querySelector('.colloquy');
      return {
        html: getComputedStyle(document.documentElement).backgroundColor,
        bodyMargin: getComputedStyle(document.body).margin,
        dashboard: dashboard ? getComputedStyle(dashboard).backgroundColor : null,
      };
    });
    expect(colors).toEqual({ html: 'rgb(22, 24, 29)', bodyMargin: '0px', dashboard: 'rgb(22, 24, 29)' });
    checkErrors(session());
  });
});
