import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { nanoid } from 'nanoid';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { demoThread, seedDemo } from '../../src/demo-seed';
import { uuidUrn, xml } from '../../src/feeds/atom';
import type { CommentRecordInput } from '../../src/store/types';
import type { Store } from '../../src/store/interfaces';
import { createStoreDatabase, selectedStores, type StoreDatabase, type StoreKind } from './stores';

/**
 * Well-formedness is judged by Chromium's XML parser (libxml2), a strict XML 1.0 parser: it refuses a
 * bare `&`, control characters, `]]>` in text and repeated attributes. happy-dom's DOMParser accepts
 * all of those, so it could not fail on the mistakes this file exists to catch.
 */
const chromiumOptions = { executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] };

const ATOM = 'http://www.w3.org/2005/Atom';
const BASE = Date.UTC(2024, 0, 1, 12);
const at = (seconds: number) => new Date(BASE + seconds * 1000).toISOString();

/** An element as the browser parsed it. */
interface XmlElement {
  name: string;
  namespace: string | null;
  attributes: Record<string, string>;
  /** All the text inside, as the parser decoded it. */
  text: string;
  children: XmlElement[];
}

/** What HTML content turns into in a browser: every element with its attributes, and the text a reader sees. */
interface HtmlSummary {
  elements: { name: string; attributes: Record<string, string> }[];
  text: string;
}

let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await chromium.launch(chromiumOptions);
  page = await browser.newPage();
});

afterAll(async () => {
  await browser?.close();
});

/** Parses with the browser's XML parser; throws its error message when the document is not well-formed. */
async function parseXml(source: string): Promise<XmlElement> {
  const result = await page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, 'application/xml');
    const error = doc.getElementsByTagName('parsererror')[0];
    if (error) return { error: error.textContent ?? 'parse error' };
    const walk = (el: Element): XmlElement => ({
      name: el.localName,
      namespace: el.namespaceURI,
      attributes: Object.fromEntries([...el.attributes].map((a) => [a.name, a.value])),
      text: el.textContent ?? '',
      children: [...el.children].map(walk),
    });
    return { root: walk(doc.documentElement) };
  }, source);
  if ('error' in result) throw new Error(`not well-formed XML: ${result.error}\n${source}`);
  return result.root;
}

/** Parses HTML as a browser does for a page (the way a feed reader shows `type="html"` content). */
async function parseHtml(html: string): Promise<HtmlSummary> {
  return page.evaluate((source) => {
    const body = new DOMParser().parseFromString(source, 'text/html').body;
    return {
      elements: [...body.querySelectorAll('*')].map((el) => ({
        name: el.localName,
        attributes: Object.fromEntries([...el.attributes].map((a) => [a.name, a.value])),
      })),
      text: body.textContent ?? '',
    };
  }, html);
}

const all = (el: XmlElement, name: string) => el.children.filter((child) => child.name === name);
function one(el: XmlElement, name: string): XmlElement {
  const found = all(el, name);
  expect(found, `<${el.name}> has one <${name}>`).toHaveLength(1);
  return found[0]!;
}
const textOf = (el: XmlElement, name: string) => one(el, name).text;
const link = (el: XmlElement, rel: string) => all(el, 'link').find((l) => l.attributes.rel === rel);

/** Every element of a parsed document, depth first. */
const descendants = (el: XmlElement): XmlElement[] => [el, ...el.children.flatMap(descendants)];

/** The characters a feed drops: what XML 1.0 forbids, C1 controls, and bidi embeddings, overrides and isolates. */
const DROPPED = /[\0-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff]/g;
const clean = (text: string) => text.replace(DROPPED, '');

/** Elements and attributes a comment's HTML may contain: the markdown tree's, nothing else. */
const HTML_ELEMENTS = new Set(['p', 'em', 'strong', 'blockquote', 'ul', 'ol', 'li', 'code', 'pre', 'a', 'br']);
const HTML_ATTRIBUTES = new Set(['href', 'rel', 'start']);

/** Every email a test stores; none may appear in any feed. */
const emails = new Set<string>();

interface Server {
  app: FastifyInstance;
  store: Store;
  db: StoreDatabase;
}

const open: Server[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map(async ({ app, db }) => (await app.close(), await db.destroy())));
});

async function start(kind: StoreKind): Promise<Server> {
  const db = await createStoreDatabase(kind);
  const store = db.open();
  await store.migrate();
  const server = { app: createApp({ store, config: { rateLimit: 0 } }), store, db };
  open.push(server);
  return server;
}

/**
 * Stores a comment straight through the store, as an import would: no API validation, so hostile
 * values the API refuses (control characters, a `javascript:` website) reach the feed too.
 */
async function seed(store: Store, overrides: Partial<CommentRecordInput> & { threadId: string }) {
  const id = overrides.id ?? nanoid();
  const authorEmail = overrides.authorEmail ?? `secret-${id}@mail.example`;
  emails.add(authorEmail);
  const result = await store.comments.create({
    id,
    parentId: null,
    body: `Body of ${id}`,
    authorName: `Author ${id}`,
    avatarSeed: `seed-${id}`,
    editTokenHash: `hash-${id}`,
    createdAt: at(0),
    ...overrides,
    authorEmail,
  });
  if (result.kind !== 'created') throw new Error(`expected created, got ${result.kind}`);
  return result.comment;
}

async function getFeed(app: FastifyInstance, query = '') {
  const response = await app.inject({ url: `/api/feed.atom${query}` });
  expect(response.statusCode, response.body).toBe(200);
  expect(response.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
  for (const email of emails) expect(response.body).not.toContain(email);
  expect(response.body).not.toMatch(/@mail\.example/);
  expect(response.body).not.toMatch(DROPPED);
  const feed = await parseXml(response.body);
  expect(feed.name).toBe('feed');
  for (const el of descendants(feed)) expect(el.namespace, el.name).toBe(ATOM);
  return { feed, response, entries: all(feed, 'entry') };
}

/** An entry's content as a reader's browser would show it, after checking it is inert. */
async function contentOf(entry: XmlElement): Promise<HtmlSummary> {
  const content = one(entry, 'content');
  expect(content.attributes.type).toBe('html');
  const html = await parseHtml(content.text);
  for (const { name, attributes } of html.elements) {
    expect(HTML_ELEMENTS, `<${name}>`).toContain(name);
    for (const attribute of Object.keys(attributes)) expect(HTML_ATTRIBUTES, `<${name} ${attribute}>`).toContain(attribute);
    if (name === 'a') {
      expect(attributes.href).toMatch(/^(?:https?|mailto):/);
      expect(attributes.rel).toBe('nofollow ugc noopener');
    }
  }
  return html;
}

/** Every address a reader could follow: alternate links and author uris (the self link is relative). */
function followable(feed: XmlElement): string[] {
  return descendants(feed).flatMap((el) =>
    el.name === 'uri' ? [el.text] : el.name === 'link' && el.attributes.rel !== 'self' ? [el.attributes.href ?? ''] : [],
  );
}

function feedSuite(kind: StoreKind) {
  describe(`Atom feeds: ${kind}`, () => {
    it('a thread feed: feed metadata, newest first, every entry field, and only approved comments', async () => {
      const { app, store } = await start(kind);
      const threadId = `post-${nanoid(6)}`;
      const page = 'https://blog.example/2024/post';
      const first = await seed(store, {
        threadId,
        threadTitle: 'My post',
        pageUrl: page,
        authorName: 'Ann',
        authorUrl: 'https://ann.example/',
        body: 'Hello *world*, see https://ok.example/a',
        createdAt: at(10),
      });
      const reply = await seed(store, { threadId, parentId: first.id, authorName: 'Bob', createdAt: at(20) });
      await store.comments.updateBody(reply.id, { body: 'Edited reply', bodyFingerprint: 'fp', updatedAt: at(25) });
      const pending = await seed(store, { threadId, createdAt: at(30) });
      const spam = await seed(store, { threadId, createdAt: at(40) });
      const removed = await seed(store, { threadId, createdAt: at(50) });
      const placeholder = await seed(store, { threadId, createdAt: at(5) });
      const orphan = await seed(store, { threadId, parentId: placeholder.id, createdAt: at(6) });
      await store.moderation.setStatus([pending.id], 'pending');
      await store.moderation.setStatus([spam.id], 'spam');
      await store.moderation.setStatus([removed.id, placeholder.id], 'deleted');
      await seed(store, { threadId: 'another-thread', createdAt: at(60) });

      const { feed, entries } = await getFeed(app, `?thread=${threadId}`);
      expect(textOf(feed, 'id')).toBe(uuidUrn(`thread:${threadId}`));
      expect(textOf(feed, 'title')).toBe('Comments on My post');
      expect(textOf(feed, 'updated')).toBe(at(25));
      expect(link(feed, 'self')?.attributes).toEqual({ rel: 'self', type: 'application/atom+xml', href: `feed.atom?thread=${threadId}` });
      expect(link(feed, 'alternate')?.attributes.href).toBe(page);

      // Approved comments only (the deleted comment's reply included), newest first.
      const shown = [reply, first, orphan];
      expect(entries.map((entry) => textOf(entry, 'id'))).toEqual(shown.map(({ id }) => uuidUrn(`comment:${id}`)));
      const [newest, older] = entries as [XmlElement, XmlElement, XmlElement];

      expect(textOf(older, 'title')).toBe('Comment by Ann on My post');
      expect(textOf(one(older, 'author'), 'name')).toBe('Ann');
      expect(textOf(one(older, 'author'), 'uri')).toBe('https://ann.example/');
      expect(textOf(older, 'published')).toBe(at(10));
      expect(textOf(older, 'updated')).toBe(at(10));
      expect(link(older, 'alternate')?.attributes).toEqual({ rel: 'alternate', type: 'text/html', href: `${page}#comment-${first.id}` });
      const html = await contentOf(older);
      expect(html.text).toBe('Hello world, see https://ok.example/a');
      expect(html.elements.map((el) => el.name)).toEqual(['p', 'em', 'a']);

      expect(textOf(newest, 'title')).toBe('Comment by Bob on My post');
      expect(all(one(newest, 'author'), 'uri')).toEqual([]);
      expect(textOf(newest, 'published')).toBe(at(20));
      expect(textOf(newest, 'updated')).toBe(at(25));
      expect((await contentOf(newest)).text).toBe('Edited reply');

      const everything = JSON.stringify(entries);
      for (const hidden of [pending, spam, removed, placeholder]) expect(everything).not.toContain(hidden.id);
      for (const visible of shown) expect(everything).toContain(visible.id);
    });

    it('the site feed: the newest 50 approved comments of every thread, each with its own thread', async () => {
      const { app, store } = await start(kind);
      const created = [];
      for (let n = 0; n < 55; n++) {
        const threadId = `thread-${n % 3}`;
        created.push(await seed(store, { threadId, threadTitle: `Post ${n % 3}`, pageUrl: `https://blog.example/${n % 3}`, createdAt: at(n) }));
      }
      const hidden = await seed(store, { threadId: 'thread-0', createdAt: at(100) });
      await store.moderation.setStatus([hidden.id], 'pending');

      const { feed, entries } = await getFeed(app);
      expect(textOf(feed, 'id')).toBe(uuidUrn('site'));
      expect(textOf(feed, 'title')).toBe('Recent comments');
      expect(textOf(feed, 'updated')).toBe(at(54));
      expect(link(feed, 'self')?.attributes.href).toBe('feed.atom');
      expect(link(feed, 'alternate')).toBeUndefined();
      expect(entries).toHaveLength(50);
      const expected = created.slice(5).reverse();
      expect(entries.map((entry) => textOf(entry, 'id'))).toEqual(expected.map((c) => uuidUrn(`comment:${c.id}`)));
      for (const [index, entry] of entries.entries()) {
        const comment = expected[index]!;
        const post = comment.threadId.slice(-1);
        expect(textOf(entry, 'title')).toBe(`Comment by ${comment.author.name} on Post ${post}`);
        expect(link(entry, 'alternate')?.attributes.href).toBe(`https://blog.example/${post}#comment-${comment.id}`);
      }
    });

    it('escapes every hostile field, drops characters XML forbids, and keeps links and markup inert', async () => {
      const { app, store } = await start(kind);
      const threadId = `hostile ]]> <thread> & "${nanoid(4)}"`;
      const payload = `<script>alert(1)</script> "><img src=x onerror=alert(1)> ]]> &amp; & &#x3C; \u0001\u0008\u000b\u001b[31m\u007f\u0085\u009b \u202Egnp.exe \u2066iso\u2069 \ufffe\uffff 👋🏽`;
      const title = `Title ${payload}`;
      const name = `Name ${payload}\tTab\r\nNewline </name><email>leak@evil.example</email>`;
      const body = [
        `Body ${payload}`,
        '[click](javascript:alert(1)) [tab](java&#x09;script:alert(1)) <javascript:alert(2)> [data](data:text/html,<script>alert(3)</script>)',
        '[ok](https://ok.example/?a=1&b="2"&c=<3>) https://ok.example/"onmouseover="alert(4)',
        '<a href="javascript:alert(5)">raw</a> <iframe src="https://evil.example"></iframe>',
        '```\n</content><entry><title>forged</title></entry>\n```',
      ].join('\n\n');
      const comment = await seed(store, {
        threadId,
        threadTitle: title,
        pageUrl: 'https://blog.example/p?q="<x>"&r=1',
        authorName: name,
        authorUrl: 'javascript:alert(1)',
        body,
        createdAt: at(1),
      });
      const other = await seed(store, { threadId, authorName: 'Eve', authorUrl: 'https://eve.example/"><script>alert(1)</script>', createdAt: at(2) });
      const untitled = `untitled-${nanoid(4)}`;
      await seed(store, { threadId: untitled, pageUrl: 'javascript:alert(1)', authorName: 'Zed', createdAt: at(3) });

      for (const query of [`?thread=${encodeURIComponent(threadId)}`, '']) {
        const { feed, entries, response } = await getFeed(app, query);
        expect(response.body).not.toMatch(/\u202e|<script|<img|<iframe|<email|<a /i);
        for (const href of followable(feed)) expect(href).toMatch(/^https?:\/\/[^\s"<>]+$/);
        if (query) {
          expect(textOf(feed, 'title')).toBe(clean(`Comments on ${title}`));
          expect(link(feed, 'self')?.attributes.href).toBe(`feed.atom?thread=${encodeURIComponent(threadId)}`);
        }

        const hostile = entries.find((entry) => textOf(entry, 'id') === uuidUrn(`comment:${comment.id}`))!;
        expect(textOf(hostile, 'title')).toBe(clean(`Comment by ${name} on ${title}`));
        expect(textOf(one(hostile, 'author'), 'name')).toBe(clean(name));
        expect(all(one(hostile, 'author'), 'uri')).toEqual([]);
        expect(all(hostile, 'email')).toEqual([]);
        expect(link(hostile, 'alternate')?.attributes.href).toBe(`https://blog.example/p?q=%22%3Cx%3E%22&r=1#comment-${comment.id}`);

        const html = await contentOf(hostile);
        // What the reader sees is the comment's text, markup included as text.
        expect(html.text).toContain(clean(`Body ${payload}`));
        expect(html.text).toContain('<a href="javascript:alert(5)">raw</a> <iframe src="https://evil.example"></iframe>');
        expect(html.text).toContain('</content><entry><title>forged</title></entry>');
        expect(html.text).toContain('<javascript:alert(2)>');
        const hrefs = html.elements.filter((el) => el.name === 'a').map((el) => el.attributes.href);
        // The quotes of the second stay inside its (escaped) attribute; the third is a bare URL in the iframe's text.
        expect(hrefs).toEqual(['https://ok.example/?a=1&b="2"&c=<3>', 'https://ok.example/"onmouseover="alert(4)', 'https://evil.example']);
        expect(entries.filter((entry) => textOf(entry, 'title').includes('forged'))).toEqual([]);

        const eve = entries.find((entry) => textOf(entry, 'id') === uuidUrn(`comment:${other.id}`))!;
        expect(textOf(one(eve, 'author'), 'uri')).toBe('https://eve.example/%22%3E%3Cscript%3Ealert(1)%3C/script%3E');
      }

      const { entries } = await getFeed(app, `?thread=${untitled}`);
      expect(textOf(entries[0]!, 'title')).toBe(`Comment by Zed on ${untitled}`);
      expect(link(entries[0]!, 'alternate')).toBeUndefined();
    });

    it('answers an unknown thread, or one with nothing approved, with an empty valid feed', async () => {
      const { app, store } = await start(kind);
      const unknown = await getFeed(app, '?thread=never-commented');
      expect(unknown.entries).toEqual([]);
      expect(textOf(unknown.feed, 'title')).toBe('Comments on never-commented');
      expect(textOf(unknown.feed, 'updated')).toBe('1970-01-01T00:00:00.000Z');

      const held = await seed(store, { threadId: 'held', threadTitle: 'Held post', pageUrl: 'https://blog.example/held' });
      await store.moderation.setStatus([held.id], 'pending');
      const empty = await getFeed(app, '?thread=held');
      expect(empty.entries).toEqual([]);
      expect(textOf(empty.feed, 'title')).toBe('Comments on Held post');
      expect((await getFeed(app)).entries).toEqual([]);
    });

    it('revalidates with an ETag: 304 while unchanged, a new tag when a comment is added or removed', async () => {
      const { app, store } = await start(kind);
      const comment = await seed(store, { threadId: 'cached', createdAt: at(1) });
      const first = await app.inject({ url: '/api/feed.atom?thread=cached' });
      const etag = first.headers.etag as string;
      expect(etag).toMatch(/^"[\w-]{27}"$/);
      expect(first.headers['cache-control']).toBe('no-cache');

      const again = await app.inject({ url: '/api/feed.atom?thread=cached', headers: { 'if-none-match': `"other", W/${etag}` } });
      expect(again.statusCode).toBe(304);
      expect(again.body).toBe('');
      expect(again.headers.etag).toBe(etag);
      expect((await app.inject({ url: '/api/feed.atom?thread=cached', headers: { 'if-none-match': '"other"' } })).statusCode).toBe(200);

      const added = await seed(store, { threadId: 'cached', createdAt: at(2) });
      const afterAdd = await app.inject({ url: '/api/feed.atom?thread=cached', headers: { 'if-none-match': etag } });
      expect(afterAdd.statusCode).toBe(200);
      expect(afterAdd.headers.etag).not.toBe(etag);
      await store.moderation.setStatus([added.id], 'deleted');
      // Back to the first document: the same bytes, so the same tag.
      const afterRemove = await app.inject({ url: '/api/feed.atom?thread=cached', headers: { 'if-none-match': etag } });
      expect(afterRemove.statusCode).toBe(304);
      await store.moderation.setStatus([comment.id], 'spam');
      expect((await app.inject({ url: '/api/feed.atom?thread=cached', headers: { 'if-none-match': etag } })).statusCode).toBe(200);

      const head = await app.inject({ method: 'HEAD', url: '/api/feed.atom' });
      expect(head.statusCode).toBe(200);
      expect(head.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
    });

    it('refuses a malformed thread parameter with a JSON 400, and ignores unknown parameters', async () => {
      const { app } = await start(kind);
      for (const query of ['?thread=', `?thread=${'x'.repeat(201)}`, '?thread=a%0Ab', '?thread=a&thread=b']) {
        const response = await app.inject({ url: `/api/feed.atom${query}` });
        expect(response.statusCode, query).toBe(400);
        expect(response.json()).toMatchObject({ error: { code: 'invalid' } });
      }
      await getFeed(app, '?thread=ok&utm_source=reader&_=1700000000');
    });
  });
}

for (const kind of selectedStores()) feedSuite(kind);

describe('feed discovery on the demo page', () => {
  it("links the demo thread's feed, which lists the seeded responses", async () => {
    const html = readFileSync(new URL('../../../demo/index.html', import.meta.url), 'utf8');
    const href = await page.evaluate(
      (source) =>
        new DOMParser().parseFromString(source, 'text/html').head.querySelector('link[rel=alternate][type="application/atom+xml"]')?.getAttribute('href'),
      html,
    );
    expect(href).toBe(`/api/feed.atom?thread=${demoThread.id}`);
    const { app, store } = await start('sqlite');
    await seedDemo(store);
    const { feed, entries } = await getFeed(app, href!.slice('/api/feed.atom'.length));
    expect(textOf(feed, 'title')).toBe(`Comments on ${demoThread.title}`);
    expect(entries.map((entry) => textOf(one(entry, 'author'), 'name'))).toEqual(['Joe', 'T']);
  });
});

describe('xml()', () => {
  it('escapes markup, keeps tab and newlines, and drops lone surrogates, noncharacters and bidi controls', () => {
    expect(xml(`<a b="c" d='e'>&]]>\r\n\t</a>`)).toBe('&lt;a b=&quot;c&quot; d=&apos;e&apos;&gt;&amp;]]&gt;&#xD;\n\t&lt;/a&gt;');
    expect(xml('a\ud800b\udc00c\ufffed\u202ee\u0000f\u0085g 👋🏽')).toBe('abcdefg 👋🏽');
  });
});
