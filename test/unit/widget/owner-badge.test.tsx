// @vitest-environment happy-dom
import { cleanup, within } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryAdapter } from '../../../src/adapters/memory';
import type { Comment } from '../../../src/core/types';
import { mount, type ColloquyHandle } from '../../../src/widget/mount';
import { seedComment } from '../comment-fixture';

const question = seedComment('c1', 'Ann', { id: 'q', body: 'A question?' });
const answer: Comment = { ...question, id: 'a', parentId: 'q', author: { name: 'Brian', avatarSeed: 'b', isOwner: true }, body: 'An answer.' };

const handles: ColloquyHandle[] = [];
afterEach(() => {
  handles.splice(0).forEach((handle) => handle.unmount());
  cleanup();
});

function mountThread() {
  const target = document.createElement('div');
  document.body.append(target);
  handles.push(mount(target, { thread: 'post', title: 'Post', adapter: createMemoryAdapter({ seed: [question, answer] }) }));
  return within(target.querySelector('colloquy-root')!.shadowRoot as unknown as HTMLElement);
}

describe('the owner badge', () => {
  it('shows "Owner" beside the name on the site owner’s replies only', async () => {
    const ui = mountThread();
    const owner = await ui.findByRole('article', { name: 'Brian' });
    expect(within(owner).getByText('Owner', { exact: true })).toBeTruthy();
    expect(owner.querySelector('.author')?.textContent).toMatch(/^Brian Owner says:/);
    expect(within(ui.getByRole('article', { name: 'Ann' })).queryByText('Owner', { exact: true })).toBeNull();
  });
});
