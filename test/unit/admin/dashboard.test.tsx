import { h } from 'preact';
import { cleanup, fireEvent, render, waitFor, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AdminError, type AdminClient, type AdminComment } from '../../../src/admin/client';
import { en } from '../../../src/core/i18n/en';
import { createTranslator, registerLocale } from '../../../src/core/i18n';
import { Dashboard } from '../../../src/admin/dashboard';

const question: AdminComment = {
  id: 'q1',
  threadId: 'post',
  threadTitle: 'A post',
  threadUrl: 'https://blog.example/post',
  pageTitle: 'A post',
  pageUrl: 'https://blog.example/post',
  parentId: null,
  status: 'pending',
  body: 'Is this **on**?',
  author: { name: 'Ann', email: 'ann@example.com', url: null, avatarSeed: 'seed-ann' },
  createdAt: '2024-01-01T10:00:00.000Z',
  updatedAt: null,
  revision: 1,
};
const answer: AdminComment = {
  ...question,
  id: 'a1',
  parentId: 'q1',
  status: 'approved',
  body: 'It is.',
  author: { name: 'Site owner', email: '', url: null, avatarSeed: 'seed-owner' },
  isOwner: true,
};

/** An AdminClient over an array, as the server would answer; each method is a spy. */
function fakeClient(overrides: Partial<AdminClient> | ((listed: { comments: AdminComment[] }) => Partial<AdminClient>) = {}) {
  const listed = { comments: [question, answer] };
  const client = {
    signIn: vi.fn(async () => {}),
    signOut: vi.fn(async () => {}),
    counts: vi.fn(async () => ({ pending: 1, approved: 1, spam: 0, deleted: 0 })),
    list: vi.fn(async () => ({ comments: listed.comments, nextCursor: null })),
    act: vi.fn(async () => {}),
    edit: vi.fn(async (id: string, body: string) => void (listed.comments = listed.comments.map((c) => (c.id === id ? { ...c, body } : c)))),
    reply: vi.fn(async () => {}),
    updateThread: vi.fn(
      async (id: string, { title, url }: { title: string; url: string }) =>
        void (listed.comments = listed.comments.map((c) => (c.threadId === id ? { ...c, threadTitle: title || null, threadUrl: url || null } : c))),
    ),
    ...(typeof overrides === 'function' ? overrides(listed) : overrides),
  } satisfies AdminClient;
  return client;
}

function renderDashboard(client: AdminClient, locale = 'en') {
  const { container } = render(<Dashboard client={client} translator={createTranslator(locale)} />);
  return within(container as HTMLElement);
}

const focused = () => document.activeElement;

/** Renders the dashboard, then presses `button` on Ann's row; returns the row and the editor it opened, named `label`. */
async function openEditor(client: AdminClient, button: string, label: string) {
  const ui = renderDashboard(client);
  const row = await ui.findByRole('article', { name: 'Comment by Ann' });
  fireEvent.click(within(row).getByRole('button', { name: button }));
  return { ui, row, editor: within(row).getByRole('textbox', { name: label }) as HTMLTextAreaElement };
}

afterEach(cleanup);

describe('the dashboard’s comment rows', () => {
  it('show the owner badge in the widget’s own words, from its i18n messages', async () => {
    registerLocale('fr', { ...en, owner: 'Propriétaire', says: 'dit :' });
    const ui = renderDashboard(fakeClient(), 'fr');
    const reply = await ui.findByRole('article', { name: 'Comment by Site owner' });
    expect(within(reply).getByText('Propriétaire', { exact: true }).className).toBe('owner');
    expect(reply.querySelector('.author')?.textContent).toMatch(/^Site owner Propriétaire dit :/);
    expect(within(ui.getByRole('article', { name: 'Comment by Ann' })).queryByText('Propriétaire')).toBeNull();
  });

  it('mark a signed-in author’s name as verified, as the widget does, and no guest’s', async () => {
    const signedIn: AdminComment = { ...question, author: { ...question.author, verifiedBy: 'GitHub' } };
    const ui = renderDashboard(fakeClient({ list: vi.fn(async () => ({ comments: [signedIn, answer], nextCursor: null })) }));
    const row = await ui.findByRole('article', { name: 'Comment by Ann' });
    expect(within(row).getByRole('img', { name: 'Verified: signed in with GitHub' })).toBeTruthy();
    expect(within(ui.getByRole('article', { name: 'Comment by Site owner' })).queryByRole('img', { name: /Verified/ })).toBeNull();
  });

  it('render the text as the widget does, with the status, email and thread beside it', async () => {
    const ui = renderDashboard(fakeClient());
    const row = await ui.findByRole('article', { name: 'Comment by Ann' });
    expect(within(row).getByText('on').tagName).toBe('STRONG');
    expect(row.querySelector('.notes')?.textContent).toBe('pending · ann@example.com · A post');
    expect(within(row).getByText('Ann').className).toBe('author-name');
  });

  it('isolate user text (name, email, thread title) so that bidi characters in it cannot reorder the rest', async () => {
    const override = '\u202E';
    const tricky = {
      ...question,
      threadTitle: `${override}A post`,
      author: { ...question.author, name: `${override}Ann`, email: `${override}ann@example.com` },
    };
    const ui = renderDashboard(fakeClient({ list: vi.fn(async () => ({ comments: [tricky], nextCursor: null })) }));
    const row = await ui.findByRole('article', { name: `Comment by ${override}Ann` });
    for (const text of [tricky.author.name, tricky.author.email, tricky.threadTitle]) {
      const shown = within(row).getByText(text);
      expect(shown.localName === 'bdi' || shown.hasAttribute('dir')).toBe(true);
      expect(shown.textContent).toBe(text);
    }
    expect(row.querySelector('.notes')?.textContent).toBe(`pending · ${override}ann@example.com · ${override}A post`);
  });

  it('edit through the widget’s editor: it takes the focus, saves, and gives it back to Edit', async () => {
    const client = fakeClient();
    const { ui, row, editor } = await openEditor(client, 'Edit the comment by Ann', 'Edit the comment by Ann');
    expect(editor.value).toBe('Is this **on**?');
    await waitFor(() => expect(focused()).toBe(editor));
    fireEvent.input(editor, { target: { value: 'Is this *really* on?' } });
    fireEvent.click(within(row).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(ui.getByRole('status').textContent).toBe('Comment saved.'));
    expect(client.edit).toHaveBeenCalledWith('q1', 'Is this *really* on?');
    expect(within(row).getByText('really').tagName).toBe('EM');
    expect(within(row).queryByRole('textbox')).toBeNull();
    await waitFor(() => expect(focused()).toBe(within(row).getByRole('button', { name: 'Edit the comment by Ann' })));
  });

  it('keep the text and put the server’s reason in the field when saving fails', async () => {
    const client = fakeClient({ edit: () => Promise.reject(new AdminError(400, 'Comment is required.')) });
    const { row, editor } = await openEditor(client, 'Edit the comment by Ann', 'Edit the comment by Ann');
    fireEvent.input(editor, { target: { value: '' } });
    fireEvent.click(within(row).getByRole('button', { name: 'Save' }));
    expect(await within(row).findByRole('textbox', { description: 'Comment is required.' })).toBe(editor);
    expect(editor.getAttribute('aria-invalid')).toBe('true');
    await waitFor(() => expect(focused()).toBe(editor));
    fireEvent.click(within(row).getByRole('button', { name: 'Cancel' }));
    expect(within(row).getByText('on').tagName).toBe('STRONG');
    await waitFor(() => expect(focused()).toBe(within(row).getByRole('button', { name: 'Edit the comment by Ann' })));
  });

  it('go back to the sign-in form when the session has run out', async () => {
    const client = fakeClient({ edit: () => Promise.reject(new AdminError(401, 'Please sign in again.')) });
    const { ui, row } = await openEditor(client, 'Edit the comment by Ann', 'Edit the comment by Ann');
    fireEvent.click(within(row).getByRole('button', { name: 'Save' }));
    expect(await ui.findByText('Please sign in again.')).toBeTruthy();
    expect(ui.getByLabelText(/^Password/)).toBeTruthy();
  });

  it('reply as the owner through the same editor, empty to start with', async () => {
    const client = fakeClient();
    const { ui, row, editor } = await openEditor(client, 'Reply to Ann', 'Reply to Ann as the owner');
    expect(editor.value).toBe('');
    expect(within(row).getByText('on').tagName).toBe('STRONG');
    fireEvent.input(editor, { target: { value: 'Yes.' } });
    fireEvent.click(within(row).getByRole('button', { name: 'Post reply' }));
    await waitFor(() => expect(ui.getByRole('status').textContent).toBe('Reply posted.'));
    expect(client.reply).toHaveBeenCalledWith(expect.objectContaining({ id: 'q1', revision: 1 }), 'Yes.');
    await waitFor(() => expect(focused()).toBe(within(row).getByRole('button', { name: 'Reply to Ann' })));
  });
});

describe('correcting a thread', () => {
  const untitled: AdminComment = {
    ...question,
    threadTitle: null,
    threadUrl: null,
    pageTitle: 'Hacked: visit evil.example',
    pageUrl: 'https://blog.example/phish',
  };

  /** Opens Ann's row's thread editor; answers the row and its two fields. */
  async function openThread(client: AdminClient, threadName = 'A post') {
    const ui = renderDashboard(client);
    const row = await ui.findByRole('article', { name: 'Comment by Ann' });
    fireEvent.click(within(row).getByRole('button', { name: `Edit the thread “${threadName}”` }));
    const title = within(row).getByRole('textbox', { name: 'Thread title' }) as HTMLInputElement;
    const url = within(row).getByRole('textbox', { name: 'Page address' }) as HTMLInputElement;
    return { ui, row, title, url };
  }

  it('says what approving a held comment would name an untitled thread, and nothing once it is named', async () => {
    const ui = renderDashboard(fakeClient({ list: vi.fn(async () => ({ comments: [untitled, answer], nextCursor: null })) }));
    const row = await ui.findByRole('article', { name: 'Comment by Ann' });
    expect([...row.querySelectorAll('.notes')].map((notes) => notes.textContent)).toEqual([
      'pending · ann@example.com · post',
      'Approving names the thread after its page: “Hacked: visit evil.example” https://blog.example/phish',
    ]);
    // The page's title and address are the commenter's text: isolated, as the name is.
    expect([...row.querySelectorAll('.notes bdi')].map((bdi) => bdi.textContent)).toEqual([
      'ann@example.com',
      'post',
      '“Hacked: visit evil.example”',
      'https://blog.example/phish',
    ]);
    cleanup();
    const named = renderDashboard(fakeClient());
    expect(within(await named.findByRole('article', { name: 'Comment by Ann' })).queryByText(/Approving names/)).toBeNull();
  });

  it('saves its title and page address, announces it, and gives the focus back to Edit thread', async () => {
    const client = fakeClient();
    const { ui, row, title, url } = await openThread(client);
    expect([title.value, url.value]).toEqual(['A post', 'https://blog.example/post']);
    await waitFor(() => expect(focused()).toBe(title));
    fireEvent.input(title, { target: { value: 'The real post' } });
    fireEvent.input(url, { target: { value: '' } });
    fireEvent.click(within(row).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(ui.getByRole('status').textContent).toBe('Thread saved.'));
    expect(client.updateThread).toHaveBeenCalledWith('post', { title: 'The real post', url: '' });
    expect(row.querySelector('.notes')?.textContent).toBe('pending · ann@example.com · The real post');
    await waitFor(() => expect(focused()).toBe(within(row).getByRole('button', { name: 'Edit the thread “The real post”' })));
  });

  it('puts the server’s reason in the field it names, and keeps what was typed', async () => {
    const refusal = new AdminError(400, 'Page address must be a page of this site.', 'pageUrl');
    const client = fakeClient({ updateThread: vi.fn(() => Promise.reject(refusal)) });
    const { row, title, url } = await openThread(client);
    fireEvent.input(url, { target: { value: 'https://evil.example/phish' } });
    fireEvent.click(within(row).getByRole('button', { name: 'Save' }));
    expect(await within(row).findByRole('textbox', { description: /Page address must be a page of this site\.$/ })).toBe(url);
    expect(url.getAttribute('aria-invalid')).toBe('true');
    expect(title.getAttribute('aria-invalid')).toBeNull();
    await waitFor(() => expect(focused()).toBe(url));
    expect(url.value).toBe('https://evil.example/phish');
    fireEvent.click(within(row).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(focused()).toBe(within(row).getByRole('button', { name: 'Edit the thread “A post”' })));
  });
});

describe('approving what the owner read', () => {
  const stale = 'One comment was edited after you read it, so not approved: read the text now and try again.';
  /** A client whose server finds Ann's comment edited since it was listed: it refuses, and lists the text now. */
  const editedSince = (listed: { comments: AdminComment[] }) => {
    const refuse = async () => {
      listed.comments = [{ ...question, body: 'Edited *since*.', revision: 2 }, answer];
      throw new AdminError(409, stale);
    };
    return { act: vi.fn(refuse), reply: vi.fn(refuse) };
  };

  it('names the revision shown; refused, it says why and shows the text now', async () => {
    const client = fakeClient(editedSince);
    const ui = renderDashboard(client);
    const row = await ui.findByRole('article', { name: 'Comment by Ann' });
    fireEvent.click(within(row).getByRole('button', { name: 'Approve the comment by Ann' }));
    await waitFor(() => expect(ui.getByRole('status').textContent).toBe(stale));
    expect(client.act).toHaveBeenCalledWith([expect.objectContaining({ id: 'q1', revision: 1 })], 'approve');
    expect(within(ui.getByRole('article', { name: 'Comment by Ann' })).getByText('since').tagName).toBe('EM');
  });

  it('refused for a reply, says why in the editor and shows the text now above it', async () => {
    const client = fakeClient(editedSince);
    const { ui, editor } = await openEditor(client, 'Reply to Ann', 'Reply to Ann as the owner');
    fireEvent.input(editor, { target: { value: 'Yes.' } });
    fireEvent.click(within(ui.getByRole('article', { name: 'Comment by Ann' })).getByRole('button', { name: 'Post reply' }));
    const row = ui.getByRole('article', { name: 'Comment by Ann' });
    expect(await within(row).findByRole('textbox', { description: stale })).toBe(editor);
    expect(within(row).getByText('since').tagName).toBe('EM');
  });
});

describe('signing out', () => {
  /** The dashboard once its first listing is in. */
  async function loaded(client: AdminClient) {
    const ui = renderDashboard(client);
    await ui.findByRole('article', { name: 'Comment by Ann' });
    return ui;
  }

  it('Sign out ends this session and goes back to the sign-in form', async () => {
    const client = fakeClient();
    const ui = await loaded(client);
    fireEvent.click(ui.getByRole('button', { name: 'Sign out' }));
    expect(await ui.findByText('Signed out.')).toBeTruthy();
    expect(ui.getByLabelText(/^Password/)).toBeTruthy();
    expect(client.signOut).toHaveBeenCalledWith(false);
  });

  it('Sign out everywhere says what it does, ends every session and goes back to the sign-in form', async () => {
    const client = fakeClient();
    const ui = await loaded(client);
    const everywhere = ui.getByRole('button', { name: 'Sign out everywhere', description: 'Ends every signed-in dashboard, on every device' });
    fireEvent.click(everywhere);
    expect(await ui.findByText('Signed out everywhere: every dashboard session has ended.')).toBeTruthy();
    expect(ui.getByLabelText(/^Password/)).toBeTruthy();
    expect(client.signOut).toHaveBeenCalledWith(true);
  });

  it('stays signed in and says why when signing out everywhere fails', async () => {
    const client = fakeClient({
      signOut: vi.fn(() => Promise.reject(new AdminError(0, 'The server cannot be reached. Check your connection and try again.'))),
    });
    const ui = await loaded(client);
    fireEvent.click(ui.getByRole('button', { name: 'Sign out everywhere' }));
    await waitFor(() => expect(ui.getByRole('status').textContent).toBe('The server cannot be reached. Check your connection and try again.'));
    expect(ui.getByRole('button', { name: 'Sign out everywhere' })).toBeTruthy();
  });
});
