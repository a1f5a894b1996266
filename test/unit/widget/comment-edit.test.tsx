// @vitest-environment happy-dom
import { cleanup, fireEvent, waitFor, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryAdapter } from '../../../src/adapters/memory';
import type { StorageAdapter } from '../../../src/adapters/types';
import { ColloquyError } from '../../../src/core/errors';
import type { Comment } from '../../../src/core/types';
import { mount, type ColloquyHandle } from '../../../src/widget/mount';
import { seedComment } from '../comment-fixture';

const mine = seedComment('c1', 'Ann', { id: 'mine', body: 'My first words.' });
const theirs: Comment = { ...mine, id: 'theirs', author: { name: 'Ben', avatarSeed: 'b' }, body: 'Ben speaks.', createdAt: '2024-01-01T11:00:00.000Z' };

const handles: ColloquyHandle[] = [];
afterEach(() => {
  handles.splice(0).forEach((handle) => handle.unmount());
  cleanup();
  vi.unstubAllGlobals();
});

/** A memory adapter that, like the REST adapter with an edit token, lets this reader edit only "mine". */
function mountWith(overrides: Partial<StorageAdapter> = {}) {
  const memory = createMemoryAdapter({ seed: [mine, theirs] });
  const adapter: StorageAdapter = { ...memory, canEdit: (comment) => comment.id === 'mine', ...overrides };
  const target = document.createElement('div');
  document.body.append(target);
  handles.push(mount(target, { thread: 'post', title: 'Post', adapter }));
  const ui = within(target.querySelector('colloquy-root')!.shadowRoot as unknown as HTMLElement);
  return { ui, memory };
}

/** The focused element inside the widget's shadow root (the page's own activeElement is the host). */
const focusedIn = (element: HTMLElement) => (element.getRootNode() as ShadowRoot).activeElement;

describe('editing and deleting one’s own comment', () => {
  it('offers Edit and Delete only on comments the adapter says this reader may change', async () => {
    const { ui } = mountWith();
    const own = await ui.findByRole('article', { name: 'Ann' });
    const other = ui.getByRole('article', { name: 'Ben' });
    expect(within(own).getByRole('button', { name: 'Edit' })).toBeTruthy();
    expect(within(own).getByRole('button', { name: 'Delete' })).toBeTruthy();
    expect(within(other).queryByRole('button', { name: 'Edit' })).toBeNull();
    expect(within(other).queryByRole('button', { name: 'Delete' })).toBeNull();
  });

  it('shows no Edit button at all with an adapter that has no canEdit', async () => {
    const { ui } = mountWith({ canEdit: undefined });
    await ui.findByRole('article', { name: 'Ann' });
    expect(ui.queryByRole('button', { name: 'Edit' })).toBeNull();
  });

  it('edits in place and shows the new text', async () => {
    const { ui, memory } = mountWith();
    const own = await ui.findByRole('article', { name: 'Ann' });
    fireEvent.click(within(own).getByRole('button', { name: 'Edit' }));
    const editor = within(own).getByRole('textbox', { name: 'Edit your comment' }) as HTMLTextAreaElement;
    expect(editor.value).toBe('My first words.');
    fireEvent.input(editor, { target: { value: 'My **better** words.' } });
    fireEvent.click(within(own).getByRole('button', { name: 'Save' }));
    await within(own).findByText('better');
    expect(within(own).queryByRole('textbox')).toBeNull();
    const page = await memory.listComments({ threadId: 'post', limit: 10, sort: 'oldest' }, new AbortController().signal);
    expect(page.comments.find((c) => c.id === 'mine')?.body).toBe('My **better** words.');
  });

  it('puts the focus in the editor when it opens', async () => {
    const { ui } = mountWith();
    const own = await ui.findByRole('article', { name: 'Ann' });
    fireEvent.click(within(own).getByRole('button', { name: 'Edit' }));
    const editor = within(own).getByRole('textbox', { name: 'Edit your comment' });
    await waitFor(() => expect((own.getRootNode() as ShadowRoot).activeElement).toBe(editor));
  });

  it('keeps the edited text and gives the reason in the field, focused, when saving fails', async () => {
    const { ui } = mountWith({ updateComment: () => Promise.reject(new ColloquyError('forbidden', 'The time to edit this comment has passed.')) });
    const own = await ui.findByRole('article', { name: 'Ann' });
    fireEvent.click(within(own).getByRole('button', { name: 'Edit' }));
    const editor = within(own).getByRole('textbox', { name: 'Edit your comment' }) as HTMLTextAreaElement;
    fireEvent.input(editor, { target: { value: 'Changed my mind.' } });
    const save = within(own).getByRole('button', { name: 'Save' });
    save.focus();
    fireEvent.click(save);
    const invalid = await within(own).findByRole('textbox', { name: 'Edit your comment', description: 'The time to edit this comment has passed.' });
    expect(invalid).toBe(editor);
    expect(editor.getAttribute('aria-invalid')).toBe('true');
    await waitFor(() => expect((own.getRootNode() as ShadowRoot).activeElement).toBe(editor));
    expect(editor.value).toBe('Changed my mind.');
    fireEvent.click(within(own).getByRole('button', { name: 'Cancel' }));
    expect(within(own).getByText('My first words.')).toBeTruthy();
  });

  // Edit is hidden while the editor is open, so without this a keyboard or screen-reader user is
  // dropped at the top of the page on closing it.
  it.each(['Save', 'Cancel'])('gives the focus back to Edit after %s', async (close) => {
    const { ui } = mountWith();
    const own = await ui.findByRole('article', { name: 'Ann' });
    fireEvent.click(within(own).getByRole('button', { name: 'Edit' }));
    const editor = within(own).getByRole('textbox', { name: 'Edit your comment' });
    await waitFor(() => expect(focusedIn(own)).toBe(editor));
    fireEvent.input(editor, { target: { value: 'Thought better of it.' } });
    fireEvent.click(within(own).getByRole('button', { name: close }));
    await waitFor(() => expect(within(own).queryByRole('textbox')).toBeNull());
    await waitFor(() => expect(focusedIn(own)).toBe(within(own).getByRole('button', { name: 'Edit' })));
    expect(within(own).getByText(close === 'Save' ? 'Thought better of it.' : 'My first words.')).toBeTruthy();
  });

  it('gives the focus to the comment itself when Edit does not come back (the edit window closed meanwhile)', async () => {
    let editable = true;
    const { ui } = mountWith({
      canEdit: (comment) => editable && comment.id === 'mine',
      updateComment: () => {
        editable = false;
        return Promise.reject(new ColloquyError('forbidden', 'The time to edit this comment has passed.'));
      },
    });
    const own = await ui.findByRole('article', { name: 'Ann' });
    fireEvent.click(within(own).getByRole('button', { name: 'Edit' }));
    fireEvent.click(within(own).getByRole('button', { name: 'Save' }));
    await within(own).findByRole('textbox', { description: 'The time to edit this comment has passed.' });
    fireEvent.click(within(own).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(focusedIn(own)).toBe(own));
    expect(within(own).queryByRole('button', { name: 'Edit' })).toBeNull();
  });

  it('counts a comment once when an edit sends it back to moderation', async () => {
    const { ui } = mountWith({ updateComment: async (id, { body }) => ({ ...mine, id, body, status: 'pending' }) });
    const own = await ui.findByRole('article', { name: 'Ann' });
    expect(ui.getByRole('heading', { level: 2 }).textContent).toBe('2 responses to “Post”');
    fireEvent.click(within(own).getByRole('button', { name: 'Edit' }));
    fireEvent.click(within(own).getByRole('button', { name: 'Save' }));
    await within(own).findByText('Your comment is awaiting moderation.');
    expect(ui.getByRole('heading', { level: 2 }).textContent).toBe('2 responses to “Post”');
  });

  it('counts one less after its author deletes a held comment', async () => {
    vi.stubGlobal('confirm', () => true);
    const { ui } = mountWith({ listComments: async () => ({ comments: [{ ...mine, status: 'pending' }, theirs], nextCursor: null, total: 1 }) });
    const own = await ui.findByRole('article', { name: 'Ann' });
    expect(ui.getByRole('heading', { level: 2 }).textContent).toBe('2 responses to “Post”');
    fireEvent.click(within(own).getByRole('button', { name: 'Delete' }));
    await ui.findByRole('heading', { level: 2, name: 'One response to “Post”' });
    expect(ui.queryByRole('article', { name: 'Ann' })).toBeNull();
  });

  it('puts the focus on the heading after deleting a comment, which then is gone', async () => {
    vi.stubGlobal('confirm', () => true);
    const { ui } = mountWith();
    const own = await ui.findByRole('article', { name: 'Ann' });
    const remove = within(own).getByRole('button', { name: 'Delete' });
    remove.focus();
    fireEvent.click(remove);
    const heading = await ui.findByRole('heading', { level: 2, name: 'One response to “Post”' });
    await waitFor(() => expect(focusedIn(heading)).toBe(heading));
  });

  it('puts the focus on the placeholder after deleting a comment that has replies', async () => {
    vi.stubGlobal('confirm', () => true);
    const reply: Comment = { ...theirs, id: 'reply', parentId: 'mine', createdAt: '2024-01-01T12:00:00.000Z' };
    const memory = createMemoryAdapter({ seed: [mine, reply] });
    const target = document.createElement('div');
    document.body.append(target);
    handles.push(mount(target, { thread: 'post', title: 'Post', adapter: { ...memory, canEdit: (c) => c.id === 'mine' } }));
    const ui = within(target.querySelector('colloquy-root')!.shadowRoot as unknown as HTMLElement);
    fireEvent.click(within(await ui.findByRole('article', { name: 'Ann' })).getByRole('button', { name: 'Delete' }));
    const placeholder = await ui.findByRole('article', { name: 'This comment was deleted.' });
    await waitFor(() => expect(focusedIn(placeholder)).toBe(placeholder));
  });

  it('deletes after the reader confirms, and lowers the count', async () => {
    const confirm = vi.fn(() => true);
    vi.stubGlobal('confirm', confirm);
    const { ui } = mountWith();
    await ui.findByRole('heading', { name: '2 responses to “Post”' });
    fireEvent.click(within(ui.getByRole('article', { name: 'Ann' })).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(ui.queryByRole('article', { name: 'Ann' })).toBeNull());
    expect(confirm).toHaveBeenCalledWith('Delete your comment? This cannot be undone.');
    expect(ui.getByRole('heading', { level: 2 }).textContent).toBe('One response to “Post”');
  });

  it('keeps the comment when the reader does not confirm', async () => {
    vi.stubGlobal('confirm', () => false);
    const deleteComment = vi.fn(() => Promise.resolve());
    const { ui } = mountWith({ deleteComment });
    fireEvent.click(within(await ui.findByRole('article', { name: 'Ann' })).getByRole('button', { name: 'Delete' }));
    expect(deleteComment).not.toHaveBeenCalled();
    expect(ui.getByRole('article', { name: 'Ann' })).toBeTruthy();
  });

  it('drops a "deleted" placeholder once its last reply is deleted too, as the server does', async () => {
    vi.stubGlobal('confirm', () => true);
    const placeholder: Comment = { ...theirs, id: 'gone', status: 'deleted', body: '', author: { name: '', avatarSeed: '' } };
    const reply: Comment = { ...mine, parentId: 'gone', createdAt: '2024-01-01T12:00:00.000Z' };
    const memory = createMemoryAdapter({ seed: [placeholder, reply] });
    const target = document.createElement('div');
    document.body.append(target);
    handles.push(mount(target, { thread: 'post', title: 'Post', adapter: { ...memory, canEdit: (c) => c.id === 'mine' } }));
    const ui = within(target.querySelector('colloquy-root')!.shadowRoot as unknown as HTMLElement);
    expect(await ui.findByRole('article', { name: 'This comment was deleted.' })).toBeTruthy();
    fireEvent.click(within(ui.getByRole('article', { name: 'Ann' })).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(ui.queryByRole('article', { name: 'Ann' })).toBeNull());
    expect(ui.queryByRole('article', { name: 'This comment was deleted.' })).toBeNull();
  });

  it('says why when deleting fails, and keeps the comment', async () => {
    vi.stubGlobal('confirm', () => true);
    const { ui } = mountWith({ deleteComment: () => Promise.reject(new ColloquyError('network', 'You appear to be offline.')) });
    fireEvent.click(within(await ui.findByRole('article', { name: 'Ann' })).getByRole('button', { name: 'Delete' }));
    expect((await ui.findByRole('alert')).textContent).toBe('You appear to be offline.');
    expect(ui.getByRole('article', { name: 'Ann' })).toBeTruthy();
  });
});
