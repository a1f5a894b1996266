import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { commentArticle, field, fillForm, heading, postComment, repliesOf, useDemo, waitForThread, type Session } from './harness';

/*
 * The demo page through the real server: what only a server makes possible (editing and deleting
 * one's own comment, placeholders, surviving a lost answer, moderation) and what a server makes go
 * wrong (errors, being offline). Each test starts with a fresh database holding the post's two responses.
 */

const confirmDelete = 'Delete your comment? This cannot be undone.';
const postButton = (page: Page) => page.getByRole('button', { name: 'Post Comment', exact: true });
const button = (article: Locator, name: 'Edit' | 'Delete' | 'Save') => article.getByRole('button', { name, exact: true });

/** Clicks Delete and answers the browser's confirm; resolves to the question it asked. */
async function deleteComment(page: Page, article: Locator, answer: 'accept' | 'dismiss' = 'accept') {
  const asked = new Promise<string>((resolve) =>
    page.once('dialog', (dialog) => {
      resolve(dialog.message());
      void dialog[answer]();
    }),
  );
  await button(article, 'Delete').click();
  return asked;
}

/** The errors of a test that provokes failed requests on purpose, less the browser's own "Failed to load resource" lines. */
function unexpectedErrors(s: Session) {
  const failedPost = /^console\.error: Failed to load resource: (the server responded with a status of 500 \(Internal Server Error\)|net::ERR_\w+) \((.*)\)$/;
  return s.errors.filter((error) => failedPost.exec(error)?.[2] !== `${s.origin}/api/comments`);
}

describe('the demo through the real server', () => {
  const session = useDemo();

  it('lets the author edit and delete their own comment, and the server keeps the change', async () => {
    const { page, openDemo, reload, listComments } = session();
    await openDemo();
    await postComment(page, { comment: 'First thoughts, typed in a hurry.', name: 'Ada', email: 'ada@example.com' }, 3);
    const ada = commentArticle(page, 'Ada');
    expect(await button(ada, 'Edit').isVisible()).toBe(true);
    expect(await button(ada, 'Delete').isVisible()).toBe(true);

    await button(ada, 'Edit').click();
    const editor = ada.getByRole('textbox', { name: 'Edit your comment', exact: true });
    expect(await editor.inputValue()).toBe('First thoughts, typed in a hurry.');
    await editor.fill('Second thoughts, **with care**.');
    await button(ada, 'Save').click();
    await editor.waitFor({ state: 'detached' });
    expect(await ada.locator('.comment-content').textContent()).toBe('Second thoughts, with care.');
    expect(await ada.locator('.comment-content strong').textContent()).toBe('with care');
    expect(await heading(page, 3).isVisible()).toBe(true);

    const edited = (await listComments()).comments.find((c) => c.author.name === 'Ada');
    expect(edited).toMatchObject({ body: 'Second thoughts, **with care**.', status: 'approved' });
    expect(edited?.updatedAt).toEqual(expect.any(String));

    await reload();
    await heading(page, 3).waitFor();
    expect(await ada.locator('.comment-content').textContent()).toBe('Second thoughts, with care.');
    // The edit token outlives the reload (this browser keeps it), so the author still may.
    expect(await button(ada, 'Edit').isVisible()).toBe(true);

    // "Cancel" in the confirm changes nothing, here or on the server.
    expect(await deleteComment(page, ada, 'dismiss')).toBe(confirmDelete);
    expect(await ada.isVisible()).toBe(true);
    expect((await listComments()).thread.count).toBe(3);

    expect(await deleteComment(page, ada)).toBe(confirmDelete);
    await ada.waitFor({ state: 'detached' });
    expect(await heading(page, 2).isVisible()).toBe(true);
    const after = await listComments();
    expect(after.thread.count).toBe(2);
    expect(after.comments.map((c) => c.author.name)).toEqual(['T', 'Joe']);

    await reload();
    await heading(page, 2).waitFor();
    expect(await page.getByRole('article').evaluateAll((articles) => articles.map((a) => a.getAttribute('aria-label')))).toEqual([null, 'T', 'Joe']);
  });

  it('keeps a deleted comment that has a reply as a placeholder, with the reply under it', async () => {
    const { page, openDemo, reload, listComments } = session();
    await openDemo();
    await page.getByRole('button', { name: 'Reply to T', exact: true }).click();
    await postComment(page, { comment: 'A reply to T that I will take back.', name: 'Ann', email: 'ann@example.com' }, 3);
    await page.getByRole('button', { name: 'Reply to Ann', exact: true }).click();
    await postComment(page, { comment: 'A reply to Ann that stays.', name: 'Ben', email: 'ben@example.com' }, 4);
    const annId = await commentArticle(page, 'Ann').getAttribute('id');
    expect(annId).toMatch(/^comment-/);

    expect(await deleteComment(page, commentArticle(page, 'Ann'))).toBe(confirmDelete);
    const placeholder = commentArticle(page, 'This comment was deleted.');
    const shape = async () => {
      await placeholder.waitFor();
      expect(await heading(page, 3).isVisible()).toBe(true);
      expect(await commentArticle(page, 'Ann').count()).toBe(0);
      expect(await placeholder.getAttribute('id')).toBe(annId);
      expect((await placeholder.textContent())?.trim()).toBe('This comment was deleted.');
      // Nothing left to reply to, edit or delete.
      expect(await placeholder.getByRole('button').count()).toBe(0);
      expect(await repliesOf(page, 'comment-seed-1')).toEqual([{ author: 'This comment was deleted.', text: undefined }]);
      expect(await repliesOf(page, annId!)).toEqual([{ author: 'Ben', text: 'A reply to Ann that stays.' }]);
    };
    await shape();

    const { thread, comments } = await listComments();
    expect(thread.count).toBe(3);
    const ann = comments.find((c) => `comment-${c.id}` === annId);
    expect(ann).toMatchObject({ parentId: 'seed-1', status: 'deleted', body: '' });
    expect(comments.find((c) => c.author.name === 'Ben')).toMatchObject({ parentId: ann?.id, status: 'approved' });

    await reload();
    await shape();
  });

  it('offers Edit and Delete only on comments this browser posted', async () => {
    const { page, context, openDemo, origin } = session();
    await openDemo();
    for (const author of ['T', 'Joe']) {
      const seed = commentArticle(page, author);
      expect(await seed.getByRole('button', { name: `Reply to ${author}`, exact: true }).isVisible()).toBe(true);
      expect(await button(seed, 'Edit').count(), author).toBe(0);
      expect(await button(seed, 'Delete').count(), author).toBe(0);
    }
    await postComment(page, { comment: 'Mine to change.', name: 'Cal', email: 'cal@example.com' }, 3);
    expect(await button(commentArticle(page, 'Cal'), 'Edit').isVisible()).toBe(true);

    // Another reader, in a browser of their own, sees the comment but cannot change it.
    const other = await context.browser()!.newContext();
    try {
      const stranger = await other.newPage();
      await stranger.goto(`${origin}/`);
      await heading(stranger, 3).waitFor();
      const cal = commentArticle(stranger, 'Cal');
      expect(await cal.getByText('Mine to change.').isVisible()).toBe(true);
      expect(await button(cal, 'Edit').count()).toBe(0);
      expect(await button(cal, 'Delete').count()).toBe(0);
    } finally {
      await other.close();
    }
  });

  it('posts once when the answer to a post is lost and the widget retries', async () => {
    const s = session();
    const { page, openDemo, listComments } = s;
    s.allowErrors();
    await openDemo();
    const keys: string[] = [];
    await page.route('**/api/comments', async (route) => {
      if (route.request().method() !== 'POST') return route.fallback();
      keys.push(route.request().headers()['idempotency-key'] ?? '');
      if (keys.length > 1) return route.continue();
      // The first attempt reaches the server and is stored; its answer is lost on the way back.
      await route.fetch();
      await route.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ error: { code: 'server', message: 'Lost.' } }) });
    });
    await postComment(page, { comment: 'Posted once, answered twice.', name: 'Dot', email: 'dot@example.com' }, 3);

    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^\S+$/);
    expect(keys[1]).toBe(keys[0]);
    expect(await commentArticle(page, 'Dot').count()).toBe(1);
    await expect.poll(async () => (await page.getByRole('status').textContent())?.trim()).toBe('Your comment was posted.');
    expect(await page.getByText('Your comment could not be posted.', { exact: false }).count()).toBe(0);
    const { thread, comments } = await listComments();
    expect(thread.count).toBe(3);
    expect(comments.filter((c) => c.body === 'Posted once, answered twice.')).toHaveLength(1);
    expect(unexpectedErrors(s)).toEqual([]);
  });

  it('keeps what the reader typed when the post cannot reach the server, and posts it once back online', async () => {
    const s = session();
    const { page, openDemo, listComments } = s;
    s.allowErrors();
    await openDemo();
    let attempts = 0;
    const offline = async (route: Parameters<Parameters<Page['route']>[1]>[0]) => {
      if (route.request().method() !== 'POST') return route.fallback();
      attempts++;
      await route.abort('internetdisconnected');
    };
    await page.route('**/api/comments', offline);
    const typed = { comment: 'Written on a train.', name: 'Eli', email: 'eli@example.com', website: 'https://eli.example' };
    await fillForm(page, typed);
    // The browser knows it is offline (navigator.onLine), so the widget may say so.
    await s.context.setOffline(true);
    await postButton(page).click();

    const failure = page.getByRole('alert');
    await failure.waitFor();
    expect((await failure.textContent())?.trim()).toBe('Your comment could not be posted. You appear to be offline. Your text is kept; please try again.');
    // Network failures are retried before the reader is told.
    expect(attempts).toBeGreaterThan(1);
    expect(await field(page, 'Comment').inputValue()).toBe(typed.comment);
    expect(await field(page, 'Name').inputValue()).toBe(typed.name);
    expect(await field(page, 'Email').inputValue()).toBe(typed.email);
    expect(await field(page, 'Website').inputValue()).toBe(typed.website);
    expect(await postButton(page).isEnabled()).toBe(true);
    expect(await heading(page, 2).isVisible()).toBe(true);
    expect((await listComments()).thread.count).toBe(2);

    await page.unroute('**/api/comments', offline);
    await s.context.setOffline(false);
    await postButton(page).click();
    await heading(page, 3).waitFor();
    expect(await commentArticle(page, 'Eli').getByText(typed.comment).isVisible()).toBe(true);
    expect(await page.getByRole('alert').count()).toBe(0);
    expect((await listComments()).comments.filter((c) => c.body === typed.comment)).toHaveLength(1);
    expect(unexpectedErrors(s)).toEqual([]);
  });
});

describe('a page on an origin the server does not allow (CORS)', () => {
  const session = useDemo();

  it('tells the reader the comments could not be loaded, and the site owner which setting to change', async () => {
    const s = session();
    s.allowErrors();
    const { page, origin } = s;
    // Same server, other origin: localhost is not 127.0.0.1 to the browser, and not in COLLOQUY_ORIGINS.
    // The demo page from there, with a second widget whose api is the server's 127.0.0.1 address.
    const hostOrigin = origin.replace('127.0.0.1', 'localhost');
    await page.goto(`${hostOrigin}/`);
    await waitForThread(page);
    await page.evaluate((api) => {
      const target = document.body.appendChild(document.createElement('div'));
      window.Colloquy!.mount(target, { thread: 'post', title: 'Elsewhere', api });
    }, origin);

    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect((await alert.textContent())?.trim()).toBe('Comments could not be loaded. The server could not be reached. Retry');
    const advice = s.errors.filter((error) => error.startsWith('console.error: [colloquy]'));
    expect(advice).toHaveLength(1);
    expect(advice[0]).toContain(
      `[colloquy] could not reach ${origin}/api/: TypeError: Failed to fetch; if the server runs, add ${hostOrigin} to its COLLOQUY_ORIGINS`,
    );
  });
});

describe('moderation, with the default policy (first-time)', () => {
  const session = useDemo({}, ['--moderation', 'first-time']);
  const awaiting = 'Your comment is awaiting moderation.';

  it('holds a first comment: its author sees it as awaiting moderation, after a reload too; nobody else sees it', async () => {
    const { page, context, origin, openDemo, reload, listComments } = session();
    await openDemo();
    await fillForm(page, { comment: 'My first words here.', name: 'Fay', email: 'fay@example.com' });
    await postButton(page).click();

    const fay = commentArticle(page, 'Fay');
    await fay.waitFor();
    await expect.poll(async () => (await page.getByRole('status').textContent())?.trim()).toBe(awaiting);
    expect(await fay.getByText(awaiting, { exact: true }).isVisible()).toBe(true);
    expect(await fay.getByText('My first words here.').isVisible()).toBe(true);
    // Counted for its author, who alone is shown it; the server's public count leaves it out.
    expect(await heading(page, 3).isVisible()).toBe(true);
    const { thread, comments } = await listComments();
    expect(thread.count).toBe(2);
    expect(comments.map((c) => c.author.name)).toEqual(['T', 'Joe']);

    await reload();
    await fay.waitFor();
    expect(await fay.getByText(awaiting, { exact: true }).isVisible()).toBe(true);
    expect(await fay.getByText('My first words here.').isVisible()).toBe(true);
    expect(await heading(page, 3).isVisible()).toBe(true);
    expect(await button(fay, 'Edit').isVisible()).toBe(true);

    const other = await context.browser()!.newContext();
    try {
      const stranger = await other.newPage();
      await stranger.goto(`${origin}/`);
      await heading(stranger, 2).waitFor();
      await stranger.getByRole('button', { name: 'Post Comment', exact: true }).waitFor();
      expect(await commentArticle(stranger, 'Fay').count()).toBe(0);
      expect(await stranger.getByText(awaiting).count()).toBe(0);
    } finally {
      await other.close();
    }
  });
});
