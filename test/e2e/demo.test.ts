import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import type { AxeResults } from 'axe-core';
import { describe, expect, it } from 'vitest';
import {
  commentArticle,
  field,
  fillForm,
  focusedElement,
  foreignRequests,
  heading,
  inShadow,
  postComment,
  repliesOf,
  seedJoe,
  seedT,
  useDemo,
  waitForThread,
} from './harness';

/*
 * The demo page as a reader meets it: dist/colloquy.js mounted by its script tag into a blog post
 * whose stylesheet is hostile, in real Chromium, served by the real server, which also stores the
 * comments (a fresh database for each test, holding the post's two responses).
 */
const session = useDemo();

const saveDetails = 'Save my name, email, and website in this browser for the next time I comment.';

const postButton = (page: Page) => page.getByRole('button', { name: 'Post Comment', exact: true });

/** Where the form sits: under a comment (that comment's id) or at the bottom of the section. */
const formPlace = (page: Page) =>
  inShadow(
    page,
    (root) => {
      const respond = root.querySelectorAll('#respond');
      if (respond.length !== 1) return `${respond.length} forms`;
      const form = respond[0]!;
      if (form.parentElement?.matches('section.colloquy')) return 'bottom';
      return form.parentElement?.closest('li.comment')?.querySelector(':scope > article')?.id ?? 'elsewhere';
    },
    null,
  );

/** The texts of the elements a field's aria-describedby points at (null for an id that matches nothing). */
async function descriptions(page: Page, label: string) {
  const ids = (await field(page, label).getAttribute('aria-describedby'))?.split(/\s+/).filter(Boolean) ?? [];
  return inShadow(page, (root, ids) => ids.map((id) => root.getElementById(id)?.textContent?.trim() ?? null), ids);
}

describe('the demo page', () => {
  it('shows the heading, the two seed responses and the "Leave a Reply" form', async () => {
    const { page, openDemo } = session();
    await openDemo();
    await heading(page, 2).waitFor();
    expect(await heading(page, 2).textContent()).toBe('2 responses to “Post-Interview Non-Awkwardness”');

    const t = commentArticle(page, 'T');
    const joe = commentArticle(page, 'Joe');
    expect(await t.locator('.author-name').textContent()).toBe('T');
    expect(await t.getByText(seedT).isVisible()).toBe(true);
    expect(await joe.locator('.author-name').textContent()).toBe('Joe');
    expect(await joe.getByText(seedJoe).isVisible()).toBe(true);
    // T before Joe: oldest first, as the blog showed them.
    expect(await page.getByRole('article').evaluateAll((articles) => articles.map((a) => a.getAttribute('aria-label')))).toEqual([null, 'T', 'Joe']);

    expect(await page.getByRole('heading', { level: 3, name: 'Leave a Reply', exact: true }).isVisible()).toBe(true);
    for (const label of ['Comment', 'Name', 'Email', 'Website']) expect(await field(page, label).isVisible(), label).toBe(true);
    expect(await field(page, 'Comment').evaluate((e) => e.tagName)).toBe('TEXTAREA');
    expect(await page.getByRole('checkbox', { name: saveDetails, exact: true }).isChecked()).toBe(false);
    expect(await postButton(page).isEnabled()).toBe(true);
  });

  it('posts a comment, announces it politely and moves focus to it', async () => {
    const { page, openDemo } = session();
    await openDemo();
    await postComment(page, { comment: 'Reaching back out after a rejection takes courage. Thanks, Brian.', name: 'Ada', email: 'ada@example.com' }, 3);

    const article = commentArticle(page, 'Ada');
    expect(await article.getByText('Reaching back out after a rejection takes courage. Thanks, Brian.').isVisible()).toBe(true);
    const status = page.getByRole('status');
    await expect.poll(async () => (await status.textContent())?.trim()).toBe('Your comment was posted.');
    expect(await status.getAttribute('aria-live')).toBe('polite');
    const id = await article.getAttribute('id');
    expect(id).toMatch(/^comment-/);
    await expect.poll(() => focusedElement(page)).toMatchObject({ tag: 'article', id });
    // The form is ready for the next comment.
    expect(await field(page, 'Comment').inputValue()).toBe('');
  });

  it('replies under a comment, nests the reply, and cancels a reply', async () => {
    const { page, openDemo } = session();
    await openDemo();
    await page.getByRole('button', { name: 'Reply to T', exact: true }).click();
    await page.getByRole('heading', { level: 3, name: /^Leave a Reply to T\b/ }).waitFor();
    expect(await page.getByRole('button', { name: 'Cancel reply', exact: true }).isVisible()).toBe(true);
    expect(await formPlace(page)).toBe('comment-seed-1');

    await postComment(page, { comment: 'Agreed: one shot deals are rare.', name: 'Bea', email: 'bea@example.com' }, 3);
    expect(await repliesOf(page, 'comment-seed-1')).toEqual([{ author: 'Bea', text: 'Agreed: one shot deals are rare.' }]);
    expect(await repliesOf(page, 'comment-seed-2')).toEqual([]);
    expect(await formPlace(page)).toBe('bottom');

    await page.getByRole('button', { name: 'Reply to Joe', exact: true }).click();
    await page.getByRole('heading', { level: 3, name: /^Leave a Reply to Joe\b/ }).waitFor();
    expect(await formPlace(page)).toBe('comment-seed-2');
    await page.getByRole('button', { name: 'Cancel reply', exact: true }).click();
    await page.getByRole('heading', { level: 3, name: 'Leave a Reply', exact: true }).waitFor();
    expect(await formPlace(page)).toBe('bottom');
    expect(await page.getByRole('button', { name: 'Cancel reply' }).count()).toBe(0);
  });

  it('keeps posted comments and replies on the server, across a reload', async () => {
    const { page, openDemo, reload, listComments } = session();
    await openDemo();
    await postComment(page, { comment: 'Still here after a reload?', name: 'Cy', email: 'cy@example.com' }, 3);
    await page.getByRole('button', { name: 'Reply to T', exact: true }).click();
    await postComment(page, { comment: 'A reply that should survive.', name: 'Di', email: 'di@example.com' }, 4);

    const { thread, comments } = await listComments();
    expect(thread).toEqual({ id: 'post-interview-non-awkwardness', title: 'Post-Interview Non-Awkwardness', count: 4 });
    expect(comments.map((c) => [c.author.name, c.parentId, c.body])).toEqual([
      ['T', null, seedT],
      ['Joe', null, seedJoe],
      ['Cy', null, 'Still here after a reload?'],
      ['Di', 'seed-1', 'A reply that should survive.'],
    ]);

    await reload();
    await heading(page, 4).waitFor();
    expect(await commentArticle(page, 'Cy').getByText('Still here after a reload?').isVisible()).toBe(true);
    expect(await repliesOf(page, 'comment-seed-1')).toEqual([{ author: 'Di', text: 'A reply that should survive.' }]);

    // Not kept in this browser: with its storage emptied the page still shows them, from the server.
    await page.evaluate(() => localStorage.clear());
    await reload();
    await heading(page, 4).waitFor();
    expect(await commentArticle(page, 'Cy').getByText('Still here after a reload?').isVisible()).toBe(true);
    expect(await repliesOf(page, 'comment-seed-1')).toEqual([{ author: 'Di', text: 'A reply that should survive.' }]);
  });

  it('restores an unposted draft after a reload', async () => {
    const { page, openDemo, reload } = session();
    await openDemo();
    await field(page, 'Comment').click();
    await page.keyboard.type('Half-written thoughts about');
    await field(page, 'Name').fill('Eve');

    await reload();
    expect(await field(page, 'Comment').inputValue()).toBe('Half-written thoughts about');
    expect(await field(page, 'Name').inputValue()).toBe('Eve');
    await heading(page, 2).waitFor();
  });

  it('validates inline, ties each message to its field and posts nothing', async () => {
    const { page, openDemo } = session();
    await openDemo();
    await postButton(page).click();

    await expect.poll(() => field(page, 'Comment').getAttribute('aria-invalid')).toBe('true');
    expect(await descriptions(page, 'Comment')).toEqual(['Comment is required.']);
    expect(await field(page, 'Name').getAttribute('aria-invalid')).toBe('true');
    expect(await descriptions(page, 'Name')).toEqual(['Name is required.']);
    expect(await field(page, 'Email').getAttribute('aria-invalid')).toBe('true');
    expect(await descriptions(page, 'Email')).toContain('Email is required.');
    expect(await field(page, 'Website').getAttribute('aria-invalid')).toBeNull();
    expect(await page.getByText('Comment is required.', { exact: true }).isVisible()).toBe(true);
    await expect.poll(() => focusedElement(page)).toMatchObject({ tag: 'textarea', id: 'body' });

    await fillForm(page, { comment: 'Looks valid.', name: 'Fay', email: 'fay@example', website: 'javascript:alert(1)' });
    await postButton(page).click();
    await expect.poll(() => descriptions(page, 'Email')).toContain('Enter a valid email address, like name@example.com.');
    expect(await field(page, 'Email').getAttribute('aria-invalid')).toBe('true');
    expect(await field(page, 'Website').getAttribute('aria-invalid')).toBe('true');
    expect(await descriptions(page, 'Website')).toEqual(['Enter a full web address that starts with http:// or https://.']);
    expect(await field(page, 'Comment').getAttribute('aria-invalid')).toBeNull();
    expect(await field(page, 'Name').getAttribute('aria-invalid')).toBeNull();
    await expect.poll(() => focusedElement(page)).toMatchObject({ tag: 'input', id: 'email' });

    expect(await heading(page, 2).isVisible()).toBe(true);
    expect(await page.locator('colloquy-root article').count()).toBe(2);
    // What the reader typed is kept.
    expect(await field(page, 'Comment').inputValue()).toBe('Looks valid.');
  });

  it('renders hostile input as inert text', async () => {
    const { page, openDemo, reload } = session();
    await openDemo();
    const name = '<img src=x onerror="window.__xss=1"><svg onload=window.__xss=1>';
    const website = 'https://example.com/?q="><img/src=x/onerror=window.__xss=1>';
    const htmlPayloads = [
      '<script>window.__xss=1</script>',
      '<img src=x onerror="window.__xss=1">',
      '<svg onload=window.__xss=1>',
      '<iframe src="javascript:window.__xss=1"></iframe>',
      '<a href="javascript:window.__xss=1">click</a>',
      '<details open ontoggle=window.__xss=1>',
      '<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1>',
    ];
    const markdownPayloads = [
      '[x](javascript:window.__xss=1)',
      '[y](JaVaScRiPt:window.__xss=1)',
      '[z](java&#x09;script:window.__xss=1)',
      '![w](javascript:window.__xss=1)',
      '[v](data:text/html,<script>window.__xss=1</script>)',
      '<javascript:window.__xss=1>',
    ];
    const body = [...htmlPayloads, ...markdownPayloads].join('\n\n');
    await postComment(page, { comment: body, name, email: 'mallory@example.com', website }, 3);

    const check = async () => {
      const article = commentArticle(page, name);
      await article.waitFor();
      // Give any handler that could run (an image's error event, a toggle) the chance to.
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 300))));
      expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();

      const found = await inShadow(
        page,
        (root) => {
          const all = (node: Document | ShadowRoot): Element[] =>
            [...node.querySelectorAll('*')].flatMap((e) => (e.shadowRoot ? [e, ...all(e.shadowRoot)] : [e]));
          return {
            // The one <style> allowed is the widget's own, first in the shadow root.
            dangerous: [...root.querySelectorAll('script, iframe, img, object, embed, frame, frameset, math, link, meta, base, style')]
              .filter((e) => e !== root.firstElementChild)
              .map((e) => e.outerHTML),
            foreignSvg: [...root.querySelectorAll('svg')].filter((e) => !e.matches('svg.avatar')).map((e) => e.outerHTML),
            handlers: all(document).flatMap((e) => [...e.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `<${e.localName} ${a.name}>`)),
            badLinks: [...root.querySelectorAll('[href], [src], [action], [formaction], [xlink\\:href]')]
              .map((e) => e.getAttribute('href') ?? e.getAttribute('src') ?? e.getAttribute('action') ?? e.getAttribute('formaction') ?? '')
              .filter((url) => !/^(#comment-|https?:|mailto:)/i.test(url)),
          };
        },
        null,
      );
      expect(found).toEqual({ dangerous: [], foreignSvg: [], handlers: [], badLinks: [] });

      expect(await article.locator('.author-name').textContent()).toBe(name);
      expect(await article.locator('a.author-name').getAttribute('href')).toBe(website);
      const content = article.locator('.comment-content');
      expect(await content.isVisible()).toBe(true);
      const text = await content.textContent();
      for (const payload of htmlPayloads) expect(text).toContain(payload);
    };
    await check();
    await reload();
    await check();
  });

  it('looks the same with and without the host page’s hostile CSS', async () => {
    const { page, openDemo, newPage, origin } = session();
    const plain = await newPage();
    await plain.route('**/host.css', (route) => route.fulfill({ status: 200, contentType: 'text/css', body: '' }));
    await openDemo();
    await plain.goto(`${origin}/`);
    await waitForThread(plain);
    // The host decides how wide the widget is; fix that so only styles leaking inside could differ.
    for (const p of [page, plain]) await p.addStyleTag({ content: 'colloquy-root { width: 640px !important; }' });
    // Proof that the stylesheet is hostile where it applies, so the comparison below means something.
    expect(await page.locator('main').evaluate((e) => getComputedStyle(e).letterSpacing)).not.toBe(
      await plain.locator('main').evaluate((e) => getComputedStyle(e).letterSpacing),
    );

    const measure = (p: Page) =>
      inShadow(
        p,
        (root) => {
          const selectors = [
            'section.colloquy',
            'h2.comments-title',
            'ol.comment-list',
            'li.comment',
            'article.comment-body',
            '.author-name',
            '.comment-content p',
            'a.permalink',
            'button.reply',
            'h3.reply-title',
            'label[for="name"]',
            'textarea',
            'input#email',
            'input[type="checkbox"]',
            'button.submit',
            'svg.avatar',
          ];
          const properties = [
            'font-family',
            'font-size',
            'font-weight',
            'font-style',
            'color',
            'background-color',
            'display',
            'visibility',
            'margin-top',
            'margin-right',
            'margin-bottom',
            'margin-left',
            'padding-top',
            'padding-right',
            'padding-bottom',
            'padding-left',
            'border-top-width',
            'border-top-style',
            'border-top-color',
            'border-right-width',
            'border-bottom-width',
            'border-left-width',
            'border-left-style',
            'letter-spacing',
            'word-spacing',
            'line-height',
            'list-style-type',
            'text-align',
            'text-indent',
            'text-transform',
            'text-decoration-line',
            'box-shadow',
            'cursor',
            'width',
            'height',
          ];
          return Object.fromEntries(
            selectors.map((selector) => {
              const element = root.querySelector(selector);
              if (!element) return [selector, 'missing'];
              const style = getComputedStyle(element);
              const box = element.getBoundingClientRect();
              const values = Object.fromEntries(properties.map((p) => [p, style.getPropertyValue(p)]));
              return [selector, { ...values, box: `${box.width.toFixed(1)}×${box.height.toFixed(1)}` }];
            }),
          );
        },
        null,
      );

    const [hostile, clean] = [await measure(page), await measure(plain)];
    expect(Object.values(clean)).not.toContain('missing');
    expect(hostile).toEqual(clean);
  });

  it('can be used with the keyboard alone, editing included', async () => {
    const { page, openDemo } = session();
    await openDemo();
    await page.locator('body').focus();
    const focused = async () => (await focusedElement(page))?.id;
    for (let tabs = 0; (await focusedElement(page))?.tag !== 'textarea'; tabs++) {
      if (tabs > 20) throw new Error('the Comment field is not reachable with Tab');
      await page.keyboard.press('Tab');
    }
    await page.keyboard.type('Typed without a mouse.');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('name');
    await page.keyboard.type('Kay');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('email');
    await page.keyboard.type('kay@example.com');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('url');
    await page.keyboard.press('Tab');
    expect(await focusedElement(page)).toMatchObject({ tag: 'input', type: 'checkbox' });
    await page.keyboard.press('Tab');
    expect(await focusedElement(page)).toMatchObject({ tag: 'input', id: 'notify', type: 'checkbox' });
    await page.keyboard.press('Space');
    await page.keyboard.press('Tab');
    expect(await focusedElement(page)).toMatchObject({ tag: 'button', text: 'Post Comment' });
    await page.keyboard.press('Enter');

    await heading(page, 3).waitFor();
    const kay = commentArticle(page, 'Kay');
    expect(await kay.getByText('Typed without a mouse.').isVisible()).toBe(true);

    // The new comment has the focus and is this reader's to edit. The editor hides Edit, so Save and
    // Cancel must give the focus back to it, or the reader is sent to the top of the page.
    await expect.poll(() => focusedElement(page)).toMatchObject({ tag: 'article' });
    for (let tabs = 0; (await focusedElement(page))?.text !== 'Edit'; tabs++) {
      if (tabs > 5) throw new Error('Edit on the new comment is not reachable with Tab');
      await page.keyboard.press('Tab');
    }
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await focusedElement(page))?.tag).toBe('textarea');
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('Edited without a mouse.');
    await page.keyboard.press('Tab');
    expect(await focusedElement(page)).toMatchObject({ tag: 'button', text: 'Save' });
    await page.keyboard.press('Enter');
    await kay.getByText('Edited without a mouse.').waitFor();
    await expect.poll(() => focusedElement(page)).toMatchObject({ tag: 'button', text: 'Edit' });

    await page.keyboard.press('Enter');
    await expect.poll(async () => (await focusedElement(page))?.tag).toBe('textarea');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await focusedElement(page)).toMatchObject({ tag: 'button', text: 'Cancel' });
    await page.keyboard.press('Enter');
    await expect.poll(() => focusedElement(page)).toMatchObject({ tag: 'button', text: 'Edit' });

    // Delete takes the comment and its button away: the focus goes to the heading, which says what is left.
    await page.keyboard.press('Tab');
    expect(await focusedElement(page)).toMatchObject({ tag: 'button', text: 'Delete' });
    page.once('dialog', (dialog) => void dialog.accept());
    await page.keyboard.press('Enter');
    await heading(page, 2).waitFor();
    await expect.poll(() => focusedElement(page)).toMatchObject({ tag: 'h2', id: 'comments-title' });
  });

  it('follows a #comment- permalink: highlights and focuses the comment', async () => {
    const { page, openDemo } = session();
    await openDemo('#comment-seed-2');
    await expect.poll(() => focusedElement(page)).toMatchObject({ tag: 'article', id: 'comment-seed-2' });
    expect(await commentArticle(page, 'Joe').getAttribute('class')).toMatch(/\bhighlighted\b/);
    expect(await commentArticle(page, 'T').getAttribute('class')).not.toMatch(/\bhighlighted\b/);
  });

  it('has no WCAG 2.2 AA violations that axe can find, in light and dark', async () => {
    const { page, openDemo } = session();
    await openDemo();
    await page.addScriptTag({ path: createRequire(import.meta.url).resolve('axe-core/axe.min.js') });
    const backgrounds = new Set<string>();
    const audit = async (state: string) => {
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme });
        backgrounds.add(await inShadow(page, (root) => getComputedStyle(root.querySelector('section.colloquy')!).backgroundColor, null));
        const violations = await page.evaluate(async () => {
          const { axe } = window as unknown as { axe: { run(context: Document, options: object): Promise<AxeResults> } };
          const results = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
          return results.violations.map((v) => ({
            id: v.id,
            impact: v.impact,
            help: v.help,
            nodes: v.nodes.map((n) => ({ target: JSON.stringify(n.target), summary: n.failureSummary ?? '' })),
          }));
        });
        const report = violations
          .map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `    ${n.target}\n      ${n.summary.replace(/\n/g, '\n      ')}`).join('\n')}`)
          .join('\n');
        expect(
          violations.map((v) => v.id),
          `axe, ${state}, ${colorScheme}:\n${report}`,
        ).toEqual([]);
      }
    };
    await audit('as loaded');
    await postButton(page).click();
    await expect.poll(() => field(page, 'Comment').getAttribute('aria-invalid')).toBe('true');
    await audit('with validation errors');
    await page.getByRole('button', { name: 'Reply to Joe', exact: true }).click();
    await page.getByRole('button', { name: 'Cancel reply', exact: true }).waitFor();
    await audit('replying');
    // Proof that the dark run audited the dark palette.
    expect(backgrounds.size).toBe(2);
  });

  it('talks to nobody but its own server and sets no cookies', async () => {
    const s = session();
    const { page, openDemo, reload, context, origin } = s;
    await openDemo();
    await postComment(page, { comment: 'Is anybody watching?', name: 'Gus', email: 'gus@example.com', website: 'https://gus.example' }, 3);
    await reload();
    await page.getByRole('button', { name: 'Reply to Gus', exact: true }).click();
    await postComment(page, { comment: 'Only your own browser.', name: 'Hal', email: 'hal@example.com' }, 4);
    await reload();

    expect(s.requests).toContain(`${origin}/colloquy.js`);
    // The comments went through this server's API (the demo's same-origin REST adapter).
    expect(s.requests).toContain(`${origin}/api/comments`);
    expect(foreignRequests(s)).toEqual([]);
    expect(await context.cookies()).toEqual([]);
    expect(await page.evaluate(() => document.cookie)).toBe('');
    // Without "Save my name…", the email is not kept in the browser once the comment is posted.
    const stored = await page.evaluate(() =>
      Object.entries(localStorage)
        .map(([key, value]) => `${key}=${value}`)
        .join('\n'),
    );
    expect(stored).not.toContain('gus@example.com');
    expect(stored).not.toContain('hal@example.com');
    // Nor by the server in anything it answers: the API lists the comments without an email.
    const listed = JSON.stringify(await s.listComments());
    expect(listed).toContain('Only your own browser.');
    expect(listed).not.toMatch(/@example\.com/);
  });

  it('saves name, email and website for next time when asked', async () => {
    const { page, openDemo, reload } = session();
    await openDemo();
    await page.getByRole('checkbox', { name: saveDetails, exact: true }).check();
    await postComment(page, { comment: 'Remember me.', name: 'Jo', email: 'jo@example.com', website: 'https://jo.example' }, 3);
    await reload();
    expect(await page.getByRole('checkbox', { name: saveDetails, exact: true }).isChecked()).toBe(true);
    expect(await field(page, 'Name').inputValue()).toBe('Jo');
    expect(await field(page, 'Email').inputValue()).toBe('jo@example.com');
    expect(await field(page, 'Website').inputValue()).toBe('https://jo.example');
    expect(await field(page, 'Comment').inputValue()).toBe('');
  });

  it('keeps what the reader typed and ticked when the form moves to a reply and back', async () => {
    const { page, openDemo } = session();
    await openDemo();
    await fillForm(page, { comment: 'Started at the bottom.', name: 'Kit' });
    const remember = page.getByRole('checkbox', { name: saveDetails, exact: true });
    await remember.check();
    await page.getByRole('button', { name: 'Reply to T', exact: true }).click();
    await page.getByRole('heading', { level: 3, name: /^Leave a Reply to T\b/ }).waitFor();
    expect(await field(page, 'Comment').inputValue()).toBe('Started at the bottom.');
    expect(await field(page, 'Name').inputValue()).toBe('Kit');
    expect(await remember.isChecked(), '"Save my name…" after moving the form under a comment').toBe(true);
    await page.getByRole('button', { name: 'Cancel reply', exact: true }).click();
    await page.getByRole('heading', { level: 3, name: 'Leave a Reply', exact: true }).waitFor();
    expect(await field(page, 'Comment').inputValue()).toBe('Started at the bottom.');
    expect(await remember.isChecked(), '"Save my name…" after cancelling the reply').toBe(true);
  });

  it('throws and logs no errors in a full session', async () => {
    const s = session();
    const { page, openDemo, reload } = s;
    await openDemo('#comment-seed-1');
    await page.getByRole('button', { name: 'Reply to T', exact: true }).click();
    await page.getByRole('button', { name: 'Cancel reply', exact: true }).click();
    await postButton(page).click();
    await postComment(page, { comment: 'Checking the console.', name: 'Ivy', email: 'ivy@example.com' }, 3);
    await page.getByRole('button', { name: 'Reply to Ivy', exact: true }).click();
    await page.getByRole('checkbox', { name: saveDetails, exact: true }).check();
    await postComment(page, { comment: 'Still quiet.', name: 'Ivy', email: 'ivy@example.com' }, 4);
    await s.openDemo('#comment-seed-2');
    await fillForm(page, { comment: 'A draft left behind.' });
    await reload();
    expect(s.errors).toEqual([]);
  });
});
