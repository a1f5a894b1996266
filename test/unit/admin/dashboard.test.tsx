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
  parentId: null,
  status: 'pending',
  body: 'Is this **on**?',
  author: { name: 'Ann', email: 'ann@example.com', url: null, avatarSeed: 'seed-ann' },
  createdAt: '2024-01-01T10:00:00.000Z',
  updatedAt: null,
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
function fakeClient(overrides: Partial<AdminClient> = {}) {
  let comments = [question, answer];
  const client = {
    signIn: vi.fn(async () => {}),
    signOut: vi.fn(async () => {}),
    counts: vi.fn(async () => ({ pending: 1, approved: 1, spam: 0, deleted: 0 })),
    list: vi.fn(async () => ({ comments, nextCursor: null })),
    act: vi.fn(async () => {}),
    edit: vi.fn(async (id: string, body: string) => void (comments = comments.map((c) => (c.id === id ? { ...c, body } : c)))),
    reply: vi.fn(async () => {}),
    ...overrides,
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
    expect(within(row).getByText('pending · ann@example.com · A post')).toBeTruthy();
    expect(within(row).getByText('Ann').className).toBe('author-name');
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
    expect(client.reply).toHaveBeenCalledWith('q1', 'Yes.');
    await waitFor(() => expect(focused()).toBe(within(row).getByRole('button', { name: 'Reply to Ann' })));
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
