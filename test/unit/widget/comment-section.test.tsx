import { h } from 'preact';
import { cleanup, configure, fireEvent, render, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryAdapter, type MemoryAdapterOptions } from '../../../src/adapters/memory';
import type { StorageAdapter } from '../../../src/adapters/types';
import { ColloquyError } from '../../../src/core/errors';
import type { Comment, NewComment } from '../../../src/core/types';
import { defineCustomElement } from '../../../src/embed/custom-element';
import { Colloquy } from '../../../src/widget/colloquy';
import { CommentItem } from '../../../src/widget/comment-item';
import { mount, type ColloquyHandle, type MountOptions } from '../../../src/widget/mount';
// The package entry, for what it registers: npm apps name 'memory' and 'local' like the script tag.
import '../../../src';
import { seedComment } from '../comment-fixture';

const ann = seedComment('c1', 'Ann');
const ben = seedComment('c2', 'Ben');

/** The shadow root as a container testing-library can query: by role, label and text. */
const inside = (host: Element) => within(host.shadowRoot as unknown as HTMLElement);

// testing-library's default failure message pretty-prints the container, which throws for a ShadowRoot
// ("Expected an element or document") and leaves a findBy* query hanging until the test times out.
configure({
  getElementError(message, container) {
    const markup = [...container.childNodes].map((node) => (node instanceof Element && node.tagName !== 'STYLE' ? node.outerHTML : '')).join('');
    const error = new Error(`${message ?? ''}\n\n${markup.slice(0, 4000)}`);
    error.name = 'TestingLibraryElementError';
    return error;
  },
});

const handles: ColloquyHandle[] = [];

/** Mounts the real widget into a new element in the page, as a site owner's script would. */
function mountWidget(options: Partial<MountOptions> = {}) {
  const target = document.createElement('div');
  document.body.append(target);
  const handle = mount(target, { thread: 'post', title: 'Post', adapter: createMemoryAdapter(), ...options });
  handles.push(handle);
  const host = target.querySelector('colloquy-root');
  if (!host?.shadowRoot) throw new Error('mount() did not create a <colloquy-root> with an open shadow root');
  return { target, handle, host, ui: inside(host) };
}

type Ui = ReturnType<typeof mountWidget>['ui'];

/** A memory adapter whose calls tests can watch and replace one by one. */
function spyAdapter(options: MemoryAdapterOptions = {}) {
  const memory = createMemoryAdapter(options);
  const adapter = {
    ...memory,
    listComments: vi.fn(memory.listComments),
    createComment: vi.fn(memory.createComment),
  } satisfies StorageAdapter;
  return { memory, adapter };
}

const field = {
  comment: (ui: Ui) => ui.getByRole('textbox', { name: 'Comment' }) as HTMLTextAreaElement,
  name: (ui: Ui) => ui.getByRole('textbox', { name: 'Name' }) as HTMLInputElement,
  email: (ui: Ui) => ui.getByRole('textbox', { name: 'Email' }) as HTMLInputElement,
  website: (ui: Ui) => ui.getByRole('textbox', { name: 'Website' }) as HTMLInputElement,
};

const type = (element: HTMLElement, value: string) => fireEvent.input(element, { target: { value } });

function fillForm(ui: Ui, values: { comment?: string; name?: string; email?: string; website?: string } = {}) {
  const { comment = 'What a post!', name = 'Dee', email = 'dee@example.com', website = '' } = values;
  type(field.comment(ui), comment);
  type(field.name(ui), name);
  type(field.email(ui), email);
  if (website) type(field.website(ui), website);
}

const postButton = (ui: Ui) => ui.getByRole('button', { name: 'Post Comment' });
const heading = (ui: Ui) => ui.getByRole('heading', { level: 2 });
const statusText = (ui: Ui) => ui.getByRole('status').textContent;

/** Checks that a field is marked invalid and points at a message with exactly `message`. */
function expectFieldError(host: Element, control: HTMLElement, message: string) {
  expect(control.getAttribute('aria-invalid')).toBe('true');
  const ids = (control.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean);
  const texts = ids.map((id) => host.shadowRoot!.getElementById(id)?.textContent);
  expect(texts).toContain(message);
}

function expectFieldValid(control: HTMLElement) {
  expect(control.getAttribute('aria-invalid')).toBeNull();
}

const focused = (host: Element) => host.shadowRoot!.activeElement;

/** A promise the test settles by hand, to observe the widget while a request is pending. */
function gate() {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

beforeEach(() => {
  localStorage.clear();
});

afterEach(() => {
  for (const handle of handles.splice(0)) handle.unmount();
  cleanup();
  document.body.innerHTML = '';
  localStorage.clear();
  vi.restoreAllMocks();
});

describe('heading', () => {
  it('says there are no responses yet', async () => {
    const { ui } = mountWidget();
    expect(await ui.findByRole('heading', { level: 2, name: 'No responses yet' })).toBeTruthy();
  });

  it('names one response', async () => {
    const { ui } = mountWidget({ adapter: createMemoryAdapter({ seed: [ann] }) });
    expect(await ui.findByRole('heading', { level: 2, name: 'One response to “Post”' })).toBeTruthy();
  });

  it('counts two responses', async () => {
    const { ui } = mountWidget({ adapter: createMemoryAdapter({ seed: [ann, ben] }) });
    expect(await ui.findByRole('heading', { level: 2, name: '2 responses to “Post”' })).toBeTruthy();
    expect(ui.getByRole('article', { name: 'Ann' })).toBeTruthy();
    expect(ui.getByText('Words from Ben.')).toBeTruthy();
  });
});

describe('posting a comment', () => {
  it('shows progress, then the comment, announces it, counts it and keeps the saved details', async () => {
    const { memory, adapter } = spyAdapter({ seed: [ann] });
    const release = gate();
    adapter.createComment.mockImplementation(async (input: NewComment, signal: AbortSignal) => {
      await release.promise;
      return memory.createComment(input, signal);
    });
    const { host, ui } = mountWidget({ adapter });
    await ui.findByRole('heading', { level: 2, name: 'One response to “Post”' });

    fillForm(ui, { comment: 'Lovely **post**.', name: 'Dee', email: 'dee@example.com', website: 'https://dee.example/' });
    const remember = ui.getByRole('checkbox', { name: /^Save my name, email, and website/ }) as HTMLInputElement;
    fireEvent.click(remember);
    expect(remember.checked).toBe(true);
    fireEvent.click(postButton(ui));

    const busy = await ui.findByRole('button', { name: 'Posting…' });
    expect((busy as HTMLButtonElement).disabled).toBe(true);
    expect(ui.queryByRole('button', { name: 'Post Comment' })).toBeNull();
    fireEvent.click(busy);
    expect(adapter.createComment).toHaveBeenCalledTimes(1);
    expect(adapter.createComment.mock.calls[0]?.[0]).toEqual({
      threadId: 'post',
      title: 'Post',
      pageUrl: expect.any(String),
      parentId: null,
      body: 'Lovely **post**.',
      author: { name: 'Dee', email: 'dee@example.com', url: 'https://dee.example/' },
      honeypot: '',
      notify: false,
    });

    release.open();
    // The live update can show the comment a moment before the form hears back: wait for the announcement.
    await waitFor(() => expect(statusText(ui)).toBe('Your comment was posted.'));
    const article = ui.getByRole('article', { name: 'Dee' });
    expect(within(article).getByText('post').tagName).toBe('STRONG');
    expect(within(article).getByRole('link', { name: 'Dee' }).getAttribute('href')).toBe('https://dee.example/');
    expect(heading(ui).textContent).toBe('2 responses to “Post”');
    expect(postButton(ui)).toBeTruthy();
    expect(field.comment(ui).value).toBe('');
    expect(field.name(ui).value).toBe('Dee');
    expect(field.email(ui).value).toBe('dee@example.com');
    expect(field.website(ui).value).toBe('https://dee.example/');
    await waitFor(() => expect(focused(host)).toBe(article));
  });

  it('has a honeypot field that people neither see nor reach, and sends what a bot typed into it', async () => {
    const { adapter } = spyAdapter();
    const { host, ui } = mountWidget({ adapter });
    await ui.findByRole('heading', { name: 'No responses yet' });
    // Hidden from assistive technology, so not a textbox anyone is offered…
    expect(ui.queryByRole('textbox', { name: 'Leave this field empty' })).toBeNull();
    const trap = host.shadowRoot!.querySelector<HTMLInputElement>('input[name="website2"]')!;
    const wrapper = trap.closest('[aria-hidden="true"]')!;
    expect(wrapper.className).toBe('visually-hidden');
    expect(trap.tabIndex).toBe(-1);
    expect(trap.getAttribute('autocomplete')).toBe('off');
    expect(host.shadowRoot!.querySelector(`label[for="${trap.id}"]`)?.textContent).toBe('Leave this field empty');
    // …but a bot that fills in every input fills it in.
    fillForm(ui);
    trap.value = 'https://bot.example';
    fireEvent.click(postButton(ui));
    await waitFor(() => expect(adapter.createComment).toHaveBeenCalledTimes(1));
    expect(adapter.createComment.mock.calls[0]?.[0]).toMatchObject({ honeypot: 'https://bot.example' });
  });

  it('sends “notify me of follow-up comments” as the reader ticked it', async () => {
    const { adapter } = spyAdapter();
    const { ui } = mountWidget({ adapter });
    await ui.findByRole('heading', { name: 'No responses yet' });
    const notify = ui.getByRole('checkbox', { name: 'Notify me of follow-up comments by email.' }) as HTMLInputElement;
    expect(notify.checked).toBe(false);
    fillForm(ui);
    fireEvent.click(notify);
    fireEvent.click(postButton(ui));
    await waitFor(() => expect(adapter.createComment).toHaveBeenCalledTimes(1));
    expect(adapter.createComment.mock.calls[0]?.[0]).toMatchObject({ notify: true });
  });

  it('does not keep the details when “save my details” is unchecked', async () => {
    const { ui } = mountWidget();
    await ui.findByRole('heading', { name: 'No responses yet' });
    fillForm(ui);
    fireEvent.click(postButton(ui));
    await ui.findByRole('article', { name: 'Dee' });
    expect(field.comment(ui).value).toBe('');
    expect(field.name(ui).value).toBe('');
    expect(field.email(ui).value).toBe('');
  });

  /** Posts Dee's comment into an empty thread and checks it is shown as held, and counted for her, who sees it. */
  async function postAndExpectHeld(ui: Parameters<typeof fillForm>[0]) {
    await ui.findByRole('heading', { name: 'No responses yet' });
    fillForm(ui);
    fireEvent.click(postButton(ui));
    await waitFor(() => expect(statusText(ui)).toBe('Your comment is awaiting moderation.'));
    const article = ui.getByRole('article', { name: 'Dee' });
    expect(within(article).getByText('Your comment is awaiting moderation.')).toBeTruthy();
    // Not "No responses yet" right above it: the heading counts what this reader is shown.
    expect(heading(ui).textContent).toBe('One response to “Post”');
  }

  it('shows a comment held for moderation to its author, and counts it in their heading', async () => {
    const { ui } = mountWidget({ adapter: createMemoryAdapter({ moderation: 'all' }) });
    await postAndExpectHeld(ui);
  });

  it('shows its author a comment the server marked as spam exactly like a held one, never saying "spam"', async () => {
    const { adapter } = spyAdapter();
    adapter.createComment.mockImplementation(async (input: NewComment) => ({
      comment: { ...seedComment('c9', input.author.name), body: input.body, status: 'spam' },
    }));
    const { host, ui } = mountWidget({ adapter });
    await postAndExpectHeld(ui);
    expect(host.shadowRoot!.textContent).not.toMatch(/spam/i);
  });

  it('lists its author an own comment held as spam (after a reload) with the awaiting-moderation notice', async () => {
    const held = seedComment('c3', 'Dee', { status: 'spam' });
    const { host, ui } = mountWidget({ adapter: createMemoryAdapter({ seed: [ann, held] }) });
    const article = await ui.findByRole('article', { name: 'Dee' });
    expect(within(article).getByText('Your comment is awaiting moderation.')).toBeTruthy();
    expect(within(ui.getByRole('article', { name: 'Ann' })).queryByText('Your comment is awaiting moderation.')).toBeNull();
    expect(heading(ui).textContent).toBe('2 responses to “Post”');
    expect(host.shadowRoot!.textContent).not.toMatch(/spam/i);
  });
});

describe('validation', () => {
  it('marks every missing field, focuses Comment and sends nothing', async () => {
    const { adapter } = spyAdapter();
    const { host, ui } = mountWidget({ adapter });
    await ui.findByRole('heading', { name: 'No responses yet' });
    fireEvent.click(postButton(ui));

    expectFieldError(host, field.comment(ui), 'Comment is required.');
    expectFieldError(host, field.name(ui), 'Name is required.');
    expectFieldError(host, field.email(ui), 'Email is required.');
    expectFieldValid(field.website(ui));
    expect(focused(host)).toBe(field.comment(ui));
    expect(adapter.createComment).not.toHaveBeenCalled();
  });

  it('keeps the email hint described along with the error', async () => {
    const { host, ui } = mountWidget();
    await ui.findByRole('heading', { name: 'No responses yet' });
    fireEvent.click(postButton(ui));
    expectFieldError(host, field.email(ui), 'Your email address will not be published.');
  });

  it('rejects a malformed email at the Email field', async () => {
    const { adapter } = spyAdapter();
    const { host, ui } = mountWidget({ adapter });
    await ui.findByRole('heading', { name: 'No responses yet' });
    fillForm(ui, { email: 'dee-at-example' });
    fireEvent.click(postButton(ui));

    expectFieldError(host, field.email(ui), 'Enter a valid email address, like name@example.com.');
    expectFieldValid(field.comment(ui));
    expectFieldValid(field.name(ui));
    expect(focused(host)).toBe(field.email(ui));
    expect(adapter.createComment).not.toHaveBeenCalled();
  });

  it('rejects a javascript: website at the Website field', async () => {
    const { adapter } = spyAdapter();
    const { host, ui } = mountWidget({ adapter });
    await ui.findByRole('heading', { name: 'No responses yet' });
    fillForm(ui, { website: 'javascript:alert(1)' });
    fireEvent.click(postButton(ui));

    expectFieldError(host, field.website(ui), 'Enter a full web address that starts with http:// or https://.');
    expect(focused(host)).toBe(field.website(ui));
    expect(field.website(ui).value).toBe('javascript:alert(1)');
    expect(adapter.createComment).not.toHaveBeenCalled();
  });

  it('takes a message away as soon as its field is fixed, and updates it while the field is still wrong', async () => {
    const { host, ui } = mountWidget();
    await ui.findByRole('heading', { name: 'No responses yet' });
    fireEvent.click(postButton(ui));
    expectFieldError(host, field.name(ui), 'Name is required.');

    type(field.name(ui), 'Dee');
    expectFieldValid(field.name(ui));
    expect(ui.queryByText('Name is required.')).toBeNull();
    // The others stay until they are fixed in turn.
    expectFieldError(host, field.comment(ui), 'Comment is required.');
    expectFieldError(host, field.email(ui), 'Email is required.');

    type(field.email(ui), 'dee-at-example');
    expectFieldError(host, field.email(ui), 'Enter a valid email address, like name@example.com.');
    type(field.email(ui), 'dee@example.com');
    expectFieldValid(field.email(ui));
    expectFieldError(host, field.comment(ui), 'Comment is required.');
  });

  it('does not mark a field the reader has not been told about, while they type', async () => {
    const { ui } = mountWidget();
    await ui.findByRole('heading', { name: 'No responses yet' });
    type(field.email(ui), 'd');
    type(field.website(ui), 'javascript:alert(1)');
    expectFieldValid(field.email(ui));
    expectFieldValid(field.website(ui));
    expect(ui.queryByText(/valid email|web address/)).toBeNull();
  });

  it('clears the errors once the form is corrected', async () => {
    const { ui } = mountWidget();
    await ui.findByRole('heading', { name: 'No responses yet' });
    fireEvent.click(postButton(ui));
    expect(ui.getByText('Comment is required.')).toBeTruthy();
    fillForm(ui);
    fireEvent.click(postButton(ui));
    await ui.findByRole('article', { name: 'Dee' });
    expect(ui.queryByText('Comment is required.')).toBeNull();
    expectFieldValid(field.comment(ui));
  });
});

describe('replying', () => {
  it('moves the form under the comment, and Cancel reply brings it back', async () => {
    const { ui } = mountWidget({ adapter: createMemoryAdapter({ seed: [ann, ben] }) });
    const annItem = (await ui.findByRole('article', { name: 'Ann' })).closest('li')!;
    expect(ui.getByRole('heading', { name: 'Leave a Reply' })).toBeTruthy();

    fireEvent.click(ui.getByRole('button', { name: 'Reply to Ann' }));
    expect(within(annItem).getByRole('heading', { name: /^Leave a Reply to Ann/ })).toBeTruthy();
    expect(within(annItem).getByRole('textbox', { name: 'Comment' })).toBeTruthy();
    expect(ui.queryByRole('heading', { name: 'Leave a Reply' })).toBeNull();
    expect(ui.getAllByRole('textbox', { name: 'Comment' })).toHaveLength(1);

    fireEvent.click(ui.getByRole('button', { name: 'Cancel reply' }));
    expect(ui.getByRole('heading', { name: 'Leave a Reply' })).toBeTruthy();
    expect(within(annItem).queryByRole('textbox', { name: 'Comment' })).toBeNull();
    expect(ui.queryByRole('button', { name: 'Cancel reply' })).toBeNull();
  });

  it('posts a reply that renders nested under its parent', async () => {
    const { adapter } = spyAdapter({ seed: [ann, ben] });
    const { ui } = mountWidget({ adapter });
    const annItem = (await ui.findByRole('article', { name: 'Ann' })).closest('li')!;
    fireEvent.click(ui.getByRole('button', { name: 'Reply to Ann' }));
    fillForm(ui, { comment: 'I agree with Ann.' });
    fireEvent.click(postButton(ui));

    const reply = await within(annItem).findByRole('article', { name: 'Dee' });
    expect(within(reply).getByText('I agree with Ann.')).toBeTruthy();
    expect(adapter.createComment.mock.calls[0]?.[0].parentId).toBe('c1');
    const benItem = ui.getByRole('article', { name: 'Ben' }).closest('li')!;
    expect(within(benItem).queryByRole('article', { name: 'Dee' })).toBeNull();
    expect(ui.getByRole('heading', { name: 'Leave a Reply' })).toBeTruthy();
    expect(heading(ui).textContent).toBe('3 responses to “Post”');
  });
});

describe('user text beside the widget’s own words', () => {
  // A right-to-left override: unisolated, it reverses everything after it in its paragraph, "says:" included.
  const override = '\u202E';
  /** Whether `element` is a bidi isolate: a <bdi>, or any element with `dir` (HTML isolates both). */
  const isolates = (element: Element) => element.localName === 'bdi' || element.hasAttribute('dir');

  it.each([
    ['linked to a website', 'https://eve.example/'],
    ['without a website', undefined],
  ])('an author name %s is isolated from "says:" and from the reply heading around it', async (_, url) => {
    const name = `${override}Eve`;
    const eve = seedComment('c1', name, { author: { name, url, avatarSeed: 'eve' } });
    const { ui } = mountWidget({ adapter: createMemoryAdapter({ seed: [eve] }) });
    const article = await ui.findByRole('article', { name });

    const shown = within(article).getByText(name);
    expect(shown.className).toBe('author-name');
    expect(shown.localName).toBe(url ? 'a' : 'b');
    expect(isolates(shown)).toBe(true);
    expect(shown.textContent).toBe(name);
    expect(shown.contains(within(article).getByText('says:'))).toBe(false);

    fireEvent.click(within(article).getByRole('button', { name: `Reply to ${name}` }));
    const replyHeading = ui.getByRole('heading', { level: 3 });
    expect(replyHeading.textContent).toBe(`Leave a Reply to ${name}`);
    const isolated = within(replyHeading).getByText(name);
    expect(isolates(isolated)).toBe(true);
    expect(isolated.textContent).toBe(name);
  });
});

describe('when the adapter fails', () => {
  it('keeps every typed value after a failed post, and a retry succeeds', async () => {
    const { adapter } = spyAdapter();
    adapter.createComment.mockRejectedValueOnce(new ColloquyError('server', 'Server is down.'));
    const { ui } = mountWidget({ adapter });
    await ui.findByRole('heading', { name: 'No responses yet' });
    fillForm(ui, { comment: 'Do not lose me.', website: 'https://dee.example/' });
    fireEvent.click(postButton(ui));

    const alert = await ui.findByRole('alert');
    expect(alert.textContent).toBe('Your comment could not be posted. Server is down. Your text is kept; please try again.');
    expect(field.comment(ui).value).toBe('Do not lose me.');
    expect(field.name(ui).value).toBe('Dee');
    expect(field.email(ui).value).toBe('dee@example.com');
    expect(field.website(ui).value).toBe('https://dee.example/');
    expect(ui.queryByRole('article')).toBeNull();
    expect(heading(ui).textContent).toBe('No responses yet');
    expect((postButton(ui) as HTMLButtonElement).disabled).toBe(false);

    fireEvent.click(postButton(ui));
    await waitFor(() => expect(statusText(ui)).toBe('Your comment was posted.'));
    expect(ui.getByRole('article', { name: 'Dee' })).toBeTruthy();
    expect(ui.queryByRole('alert')).toBeNull();
    expect(adapter.createComment).toHaveBeenCalledTimes(2);
  });

  it('shows an error the adapter ties to a field at that field', async () => {
    const { adapter } = spyAdapter();
    adapter.createComment.mockRejectedValueOnce(new ColloquyError('invalid', 'That name is reserved.', 'name'));
    const { host, ui } = mountWidget({ adapter });
    await ui.findByRole('heading', { name: 'No responses yet' });
    fillForm(ui, { name: 'Admin' });
    fireEvent.click(postButton(ui));

    await waitFor(() => expectFieldError(host, field.name(ui), 'That name is reserved.'));
    expectFieldValid(field.comment(ui));
    expect(focused(host)).toBe(field.name(ui));
    expect(field.name(ui).value).toBe('Admin');
  });

  it('offers Retry when comments cannot be loaded, and Retry loads them', async () => {
    const { adapter } = spyAdapter({ seed: [ann] });
    adapter.listComments.mockRejectedValueOnce(new ColloquyError('network', 'You seem to be offline.'));
    const { ui } = mountWidget({ adapter });

    const alert = await ui.findByRole('alert');
    expect(alert.textContent).toContain('Comments could not be loaded. You seem to be offline.');
    fireEvent.click(within(alert).getByRole('button', { name: 'Retry' }));

    expect(await ui.findByRole('article', { name: 'Ann' })).toBeTruthy();
    expect(ui.queryByRole('alert')).toBeNull();
    expect(heading(ui).textContent).toBe('One response to “Post”');
    expect(adapter.listComments).toHaveBeenCalledTimes(2);
  });
});

describe('loading more', () => {
  /** Watches the items' renders: how many each comment's item had, by comment id. */
  function watchRenders() {
    const render = vi.spyOn(CommentItem.prototype, 'render');
    return {
      counts() {
        const counts: Record<string, number> = {};
        for (const [{ node }] of render.mock.calls) counts[node.comment.id] = (counts[node.comment.id] ?? 0) + 1;
        return counts;
      },
      forget: () => render.mockClear(),
    };
  }
  const loadMore = (ui: Ui) => ui.getByRole('button', { name: 'Load more comments' });
  // Five top-level comments, then a reply to the first one and a new comment.
  const seed = [1, 2, 3, 4, 5].map((n) => seedComment(`c${n}`, `Reader ${n}`));
  const reply = seedComment('c6', 'Replier', { parentId: 'c1' });
  const latest = seedComment('c7', 'Latest');

  it('renders only what is new: earlier comments are not rendered again, the one replied to is', async () => {
    const renders = watchRenders();
    const { ui } = mountWidget({ adapter: createMemoryAdapter({ seed: [...seed, reply, latest] }), pageSize: 5 });
    await ui.findByRole('article', { name: 'Reader 5' });
    expect(renders.counts()).toEqual({ c1: 1, c2: 1, c3: 1, c4: 1, c5: 1 });

    fireEvent.click(await waitFor(() => loadMore(ui)));
    await ui.findByRole('article', { name: 'Latest' });
    // c1 holds the new reply; c2 to c5 are unchanged.
    expect(renders.counts()).toEqual({ c1: 2, c2: 1, c3: 1, c4: 1, c5: 1, c6: 1, c7: 1 });
    expect(ui.queryByRole('button', { name: 'Load more comments' })).toBeNull();
    expect(ui.getAllByRole('article').map((article) => article.getAttribute('aria-label'))).toEqual([
      'Reader 1',
      'Replier',
      'Reader 2',
      'Reader 3',
      'Reader 4',
      'Reader 5',
      'Latest',
    ]);
  });

  it('renders no comment again while the reader types, and only the one replied to while they reply', async () => {
    const renders = watchRenders();
    const { ui } = mountWidget({ adapter: createMemoryAdapter({ seed }) });
    await ui.findByRole('article', { name: 'Reader 5' });
    renders.forget();
    type(field.comment(ui), 'Typing');
    fireEvent.click(ui.getByRole('button', { name: 'Reply to Reader 3' }));
    type(field.comment(ui), 'Typing more');
    await waitFor(() => expect(field.comment(ui).value).toBe('Typing more'));
    expect(Object.keys(renders.counts())).toEqual(['c3']);
  });

  it('asks for the next page as soon as a page arrives, and shows it at "Load more" without asking again', async () => {
    const { adapter } = spyAdapter({ seed: [...seed, reply, latest] });
    const { ui } = mountWidget({ adapter, pageSize: 3 });
    await ui.findByRole('article', { name: 'Reader 3' });
    await waitFor(() => expect(adapter.listComments).toHaveBeenCalledTimes(2));
    expect(adapter.listComments.mock.calls.map(([query]) => query.cursor)).toEqual([null, '3']);

    fireEvent.click(loadMore(ui));
    await ui.findByRole('article', { name: 'Replier' });
    // The page after it is asked for in turn; nothing was asked twice.
    await waitFor(() => expect(adapter.listComments).toHaveBeenCalledTimes(3));
    expect(adapter.listComments.mock.calls.map(([query]) => query.cursor)).toEqual([null, '3', '6']);
  });

  it('tells of a page that could not be fetched ahead only when the reader asks for it, and asks again', async () => {
    const { adapter } = spyAdapter({ seed: [...seed, reply, latest] });
    adapter.listComments.mockImplementationOnce(adapter.listComments.getMockImplementation()!);
    adapter.listComments.mockRejectedValueOnce(new ColloquyError('network', 'You seem to be offline.'));
    const { ui } = mountWidget({ adapter, pageSize: 5 });
    await ui.findByRole('article', { name: 'Reader 5' });
    await waitFor(() => expect(adapter.listComments).toHaveBeenCalledTimes(2));
    expect(ui.queryByRole('alert')).toBeNull();

    fireEvent.click(loadMore(ui));
    expect((await ui.findByRole('alert')).textContent).toContain('Comments could not be loaded. You seem to be offline.');
    fireEvent.click(loadMore(ui));
    await ui.findByRole('article', { name: 'Latest' });
    expect(ui.queryByRole('alert')).toBeNull();
    expect(adapter.listComments).toHaveBeenCalledTimes(3);
  });
});

describe('drafts', () => {
  it('restores what was typed after the widget is unmounted and mounted again', async () => {
    const first = mountWidget();
    await first.ui.findByRole('heading', { name: 'No responses yet' });
    fillForm(first.ui, { comment: 'Half a thought', name: 'Dee', email: 'dee@example.com', website: 'https://dee.example/' });
    first.handle.unmount();

    const second = mountWidget();
    await second.ui.findByRole('heading', { name: 'No responses yet' });
    expect(field.comment(second.ui).value).toBe('Half a thought');
    expect(field.name(second.ui).value).toBe('Dee');
    expect(field.email(second.ui).value).toBe('dee@example.com');
    expect(field.website(second.ui).value).toBe('https://dee.example/');
  });

  it('keeps drafts per thread', async () => {
    const first = mountWidget({ thread: 'post' });
    await first.ui.findByRole('heading', { name: 'No responses yet' });
    type(field.comment(first.ui), 'For post');
    first.handle.unmount();

    const other = mountWidget({ thread: 'other' });
    await other.ui.findByRole('heading', { name: 'No responses yet' });
    expect(field.comment(other.ui).value).toBe('');
  });

  it('clears the draft after a successful post', async () => {
    const adapter = createMemoryAdapter();
    const first = mountWidget({ adapter });
    await first.ui.findByRole('heading', { name: 'No responses yet' });
    fillForm(first.ui);
    fireEvent.click(postButton(first.ui));
    await first.ui.findByRole('article', { name: 'Dee' });
    first.handle.unmount();

    const second = mountWidget({ adapter });
    await second.ui.findByRole('article', { name: 'Dee' });
    expect(field.comment(second.ui).value).toBe('');
    expect(field.name(second.ui).value).toBe('');
  });

  it('restores saved details, but not the posted text, when “save my details” was checked', async () => {
    const adapter = createMemoryAdapter();
    const first = mountWidget({ adapter });
    await first.ui.findByRole('heading', { name: 'No responses yet' });
    fillForm(first.ui, { website: 'https://dee.example/' });
    fireEvent.click(first.ui.getByRole('checkbox', { name: /^Save my name/ }));
    fireEvent.click(postButton(first.ui));
    await first.ui.findByRole('article', { name: 'Dee' });
    first.handle.unmount();

    const second = mountWidget({ adapter, thread: 'another-post' });
    await second.ui.findByRole('heading', { name: 'No responses yet' });
    expect(field.comment(second.ui).value).toBe('');
    expect(field.name(second.ui).value).toBe('Dee');
    expect(field.email(second.ui).value).toBe('dee@example.com');
    expect(field.website(second.ui).value).toBe('https://dee.example/');
    expect((second.ui.getByRole('checkbox', { name: /^Save my name/ }) as HTMLInputElement).checked).toBe(true);
  });
});

describe('never breaking the host page', () => {
  it.each([
    ['thread', { thread: '' }],
    ['theme', { theme: 'purple' }],
    ['maxDepth', { maxDepth: 0 }],
  ])('logs one [colloquy] error naming %s and shows a notice', async (option, bad) => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    let widget: ReturnType<typeof mountWidget> | undefined;
    expect(() => (widget = mountWidget(bad as Partial<MountOptions>))).not.toThrow();

    expect(widget!.ui.getByRole('alert').textContent).toBe('Comments are unavailable on this page.');
    expect(widget!.ui.queryByRole('form')).toBeNull();
    expect(log).toHaveBeenCalledTimes(1);
    const message = String(log.mock.calls[0]?.[0]);
    expect(message.startsWith('[colloquy]')).toBe(true);
    expect(message).toContain(`"${option}"`);
  });

  it('does not throw into the page for a locale of the wrong type', () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    let widget: ReturnType<typeof mountWidget> | undefined;
    expect(() => (widget = mountWidget({ locale: 42 as unknown as string }))).not.toThrow();
    expect(widget?.ui.getByRole('alert').textContent).toBe('Comments are unavailable on this page.');
    expect(String(log.mock.calls[0]?.[0])).toMatch(/^\[colloquy\].*"locale"/);
  });

  it('logs an error, without throwing, when the target matches nothing', () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const handle = mount('#nowhere', { thread: 'post', adapter: 'memory' });
    expect(log).toHaveBeenCalledTimes(1);
    expect(String(log.mock.calls[0]?.[0])).toMatch(/^\[colloquy\].*"target"/);
    expect(() => handle.unmount()).not.toThrow();
  });

  it('contains a render error caused by malformed data', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const uncaught = vi.fn();
    window.addEventListener('error', uncaught);
    const { author: _author, ...withoutAuthor } = ann;
    const malformed: StorageAdapter = {
      ...createMemoryAdapter(),
      listComments: async () => ({ comments: [withoutAuthor as Comment], nextCursor: null, total: 1 }),
    };
    const { ui, target } = mountWidget({ adapter: malformed });

    expect((await ui.findByRole('alert')).textContent).toBe('Comments are unavailable on this page.');
    expect(log).toHaveBeenCalledWith(expect.stringMatching(/^\[colloquy\]/), expect.any(TypeError));
    expect(uncaught).not.toHaveBeenCalled();
    expect(target.isConnected).toBe(true);
    window.removeEventListener('error', uncaught);
  });
});

describe('permalinks', () => {
  /** Sets the page's address hash without an event; the test sends `hashchange` itself, so a throw lands in the test. */
  const setHash = (hash: string) => history.replaceState(null, '', hash || location.pathname);
  const highlighted = (ui: Ui) => ui.queryAllByRole('article').filter((article) => article.classList.contains('highlighted'));
  afterEach(() => setHash(''));

  it('a #comment- address highlights that comment, on load and on a later change', async () => {
    setHash('#comment-c1');
    const { ui } = mountWidget({ adapter: createMemoryAdapter({ seed: [ann, ben] }) });
    await waitFor(() => expect(highlighted(ui)).toEqual([ui.getByRole('article', { name: 'Ann' })]));
    setHash('#comment-c2');
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    await waitFor(() => expect(highlighted(ui)).toEqual([ui.getByRole('article', { name: 'Ben' })]));
  });

  it.each(['#comment-%', '#comment-%E0%A4%A', '#comment-c1%'])('a malformed escape (%s) is ignored: the thread shows, nothing throws', async (hash) => {
    const log = vi.spyOn(console, 'error');
    setHash(hash);
    const { ui } = mountWidget({ adapter: createMemoryAdapter({ seed: [ann, ben] }) });
    expect(await ui.findByRole('heading', { level: 2, name: '2 responses to “Post”' })).toBeTruthy();
    expect(ui.queryByRole('alert')).toBeNull();

    // A later change to a malformed address, then back to a good one, which still works.
    setHash('#comment-c2');
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    await waitFor(() => expect(highlighted(ui)).toHaveLength(1));
    setHash(hash);
    expect(() => window.dispatchEvent(new HashChangeEvent('hashchange'))).not.toThrow();
    expect(highlighted(ui)).toEqual([ui.getByRole('article', { name: 'Ben' })]);
    expect(log).not.toHaveBeenCalled();
  });
});

describe('live updates from the adapter', () => {
  it('shows a comment another reader posts, and counts it', async () => {
    const adapter = createMemoryAdapter({ seed: [ann] });
    const { ui } = mountWidget({ adapter });
    await ui.findByRole('article', { name: 'Ann' });
    await adapter.createComment(
      { threadId: 'post', parentId: null, body: 'Hello from elsewhere.', author: { name: 'Eve', email: 'eve@example.com' } },
      new AbortController().signal,
    );
    expect(await ui.findByRole('article', { name: 'Eve' })).toBeTruthy();
    expect(heading(ui).textContent).toBe('2 responses to “Post”');
  });

  it('removes a comment deleted elsewhere, and counts one less', async () => {
    const adapter = createMemoryAdapter({ seed: [ann, ben] });
    const { ui } = mountWidget({ adapter });
    await ui.findByRole('article', { name: 'Ben' });
    await adapter.deleteComment('c2', new AbortController().signal);
    await waitFor(() => expect(ui.queryByRole('article', { name: 'Ben' })).toBeNull());
    expect(heading(ui).textContent).toBe('One response to “Post”');
  });

  it('keeps a comment deleted elsewhere as a placeholder above its replies, as a reload would', async () => {
    const reply = seedComment('c3', 'Cy', { parentId: 'c1' });
    const adapter = createMemoryAdapter({ seed: [ann, reply] });
    const { ui } = mountWidget({ adapter });
    await ui.findByRole('article', { name: 'Cy' });
    await adapter.deleteComment('c1', new AbortController().signal);

    const placeholder = await ui.findByRole('article', { name: 'This comment was deleted.' });
    expect(within(placeholder.closest('li')!).getByRole('article', { name: 'Cy' })).toBeTruthy();
    expect(ui.queryByText('Words from Ann.')).toBeNull();
    expect(heading(ui).textContent).toBe('One response to “Post”');
  });
});

describe('placeholders', () => {
  const placeholder = seedComment('c1', '', { status: 'deleted', body: '' });

  it('shows no "deleted" placeholder whose replies this reader is not sent (held for moderation)', async () => {
    const { adapter } = spyAdapter();
    adapter.listComments.mockResolvedValue({ comments: [placeholder, ben], nextCursor: null, total: 1 });
    const { ui } = mountWidget({ adapter });
    await ui.findByRole('article', { name: 'Ben' });
    expect(ui.queryByText('This comment was deleted.')).toBeNull();
    expect(ui.getAllByRole('article')).toHaveLength(1);
  });

  it('shows one above a reply, with the reply under it', async () => {
    const { adapter } = spyAdapter();
    adapter.listComments.mockResolvedValue({ comments: [placeholder, seedComment('c2', 'Ben', { parentId: 'c1' })], nextCursor: null, total: 1 });
    const { ui } = mountWidget({ adapter });
    const shown = await ui.findByRole('article', { name: 'This comment was deleted.' });
    expect(within(shown.closest('li')!).getByRole('article', { name: 'Ben' })).toBeTruthy();
  });
});

describe('the mount handle', () => {
  it('update() loads another thread', async () => {
    const cy = seedComment('c3', 'Cy', { threadId: 'other' });
    const adapter = createMemoryAdapter({ seed: [ann, ben, cy] });
    const { ui, handle } = mountWidget({ adapter });
    await ui.findByRole('article', { name: 'Ann' });

    handle.update({ thread: 'other', title: 'Other post', adapter });
    expect(await ui.findByRole('article', { name: 'Cy' })).toBeTruthy();
    expect(ui.queryByRole('article', { name: 'Ann' })).toBeNull();
    expect(heading(ui).textContent).toBe('One response to “Other post”');
  });

  it('update() changes only the options it is given, as an SPA calls it (README), keeping the adapter', async () => {
    const cy = seedComment('c3', 'Cy', { threadId: 'other' });
    const { ui, handle } = mountWidget({ adapter: createMemoryAdapter({ seed: [ann, cy] }), sort: 'newest' });
    await ui.findByRole('article', { name: 'Ann' });

    handle.update({ thread: 'other', title: 'Other post' });
    expect(await ui.findByRole('article', { name: 'Cy' })).toBeTruthy();
    expect(heading(ui).textContent).toBe('One response to “Other post”');

    // Posted through the mounted adapter, not silently into the reader's localStorage.
    fillForm(ui);
    fireEvent.click(postButton(ui));
    await ui.findByRole('article', { name: 'Dee' });
    expect(Object.keys(localStorage).filter((key) => key.startsWith('colloquy:comments:'))).toEqual([]);
  });

  it('update() puts an option given as undefined back to its default', async () => {
    document.title = 'Host page';
    const { ui, handle } = mountWidget({ adapter: createMemoryAdapter({ seed: [ann] }) });
    await ui.findByRole('heading', { name: 'One response to “Post”' });
    handle.update({ title: undefined });
    expect(await ui.findByRole('heading', { name: 'One response to “Host page”' })).toBeTruthy();
  });

  it('update() with bad options shows the notice instead', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { ui, handle } = mountWidget({ adapter: createMemoryAdapter({ seed: [ann] }) });
    await ui.findByRole('article', { name: 'Ann' });
    handle.update({ thread: 'post', sort: 'best' as 'oldest' });
    expect(ui.getByRole('alert').textContent).toBe('Comments are unavailable on this page.');
    expect(ui.queryByRole('article')).toBeNull();
    expect(String(log.mock.calls[0]?.[0])).toMatch(/^\[colloquy\].*"sort"/);
  });

  it('unmount() removes the host element', async () => {
    const { ui, handle, target } = mountWidget();
    await ui.findByRole('heading', { name: 'No responses yet' });
    handle.unmount();
    expect(target.querySelector('colloquy-root')).toBeNull();
    expect(target.childNodes).toHaveLength(0);
  });
});

describe('other ways in', () => {
  it('the Colloquy Preact component renders the section and follows its props', async () => {
    const adapter = createMemoryAdapter({ seed: [ann, seedComment('c3', 'Cy', { threadId: 'other' })] });
    const { container, rerender, unmount } = render(<Colloquy thread="post" title="Post" adapter={adapter} />);
    const host = container.querySelector('colloquy-root')!;
    const ui = inside(host);
    expect(await ui.findByRole('heading', { level: 2, name: 'One response to “Post”' })).toBeTruthy();
    expect(ui.getByRole('article', { name: 'Ann' })).toBeTruthy();

    rerender(<Colloquy thread="other" title="Other" adapter={adapter} />);
    expect(await ui.findByRole('article', { name: 'Cy' })).toBeTruthy();
    expect(container.querySelectorAll('colloquy-root')).toHaveLength(1);

    // A prop taken away goes back to its default, here the host page's title.
    document.title = 'Host page';
    rerender(<Colloquy thread="other" adapter={adapter} />);
    expect(await ui.findByRole('heading', { level: 2, name: 'One response to “Host page”' })).toBeTruthy();

    unmount();
    expect(host.isConnected).toBe(false);
  });

  it('<colloquy-thread> renders the section and follows a data-thread change', async () => {
    defineCustomElement();
    const seed = [ann, seedComment('c3', 'Cy', { threadId: 'other' })];
    document.body.innerHTML = `
      <script type="application/json" id="colloquy-seed">${JSON.stringify(seed)}</script>
      <colloquy-thread data-thread="post" data-title="Post" data-adapter="memory" data-seed="#colloquy-seed"></colloquy-thread>`;
    const element = document.querySelector('colloquy-thread')!;
    const host = element.querySelector('colloquy-root')!;
    const ui = inside(host);
    expect(await ui.findByRole('heading', { level: 2, name: 'One response to “Post”' })).toBeTruthy();
    expect(ui.getByRole('article', { name: 'Ann' })).toBeTruthy();

    element.setAttribute('data-title', 'Other');
    element.setAttribute('data-thread', 'other');
    expect(await ui.findByRole('article', { name: 'Cy' })).toBeTruthy();
    expect(ui.queryByRole('article', { name: 'Ann' })).toBeNull();
    expect(heading(ui).textContent).toBe('One response to “Other”');

    element.remove();
    expect(element.querySelector('colloquy-root')).toBeNull();
  });
});
