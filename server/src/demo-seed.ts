import { randomBytes } from 'node:crypto';
import type { Store } from './store/interfaces';
import type { CommentRecordInput } from './store/types';
import { canonicalJson, sha256Hex } from './shared/signing';

/** The demo page's thread (demo/index.html). */
export const demoThread = { id: 'post-interview-non-awkwardness', title: 'Post-Interview Non-Awkwardness' } as const;

/** The post's two real responses, as they appeared under it in 2012. */
export const demoResponses = [
  {
    id: 'seed-1',
    authorName: 'T',
    avatarSeed: 't-response',
    body: 'Great perspective Brian- these interviews and interactions are never a one shot deal. Congrats on your new position! T',
    createdAt: '2012-04-02T14:21:00.000Z',
  },
  {
    id: 'seed-2',
    authorName: 'Joe',
    avatarSeed: 'joe-response',
    body: 'Brian – you always find these short, insightful, and great experiences in your everyday life to share and educate others with. Keep it up. – Joe',
    createdAt: '2012-04-03T09:05:00.000Z',
  },
] as const;

/**
 * Inserts the demo responses when the demo thread has no comments. Each goes in under a fixed
 * Idempotency-Key, so servers starting side by side on one database insert them once. Nobody can
 * edit them: the edit token is random and thrown away (and the edit window closed in 2012).
 */
export async function seedDemo(store: Pick<Store, 'comments'>): Promise<'seeded' | 'skipped'> {
  const counts = await store.comments.count([demoThread.id]);
  if ((counts[demoThread.id] ?? 0) > 0) return 'skipped';
  for (const response of demoResponses) {
    const input: CommentRecordInput = {
      ...response,
      threadId: demoThread.id,
      threadTitle: demoThread.title,
      parentId: null,
      authorEmail: '',
      editTokenHash: sha256Hex(randomBytes(32).toString('hex')),
      idempotencyKey: `colloquy-demo-${response.id}`,
      requestHash: sha256Hex(canonicalJson(response)),
    };
    try {
      await store.comments.create(input);
    } catch (error) {
      // Another process seeding at the same moment may win the race for the id; that is the goal.
      if (!(await store.comments.getEditable(response.id))) throw error;
    }
  }
  return 'seeded';
}
