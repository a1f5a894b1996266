import type { Comment } from '../../src/core/types';

const BASE = Date.UTC(2024, 0, 1);

/**
 * A public comment of thread "post" by `name`, for tests that need one. The digits in `id` set its
 * time (c3 is three minutes after c0), so ids sort as their comments do; `extra` overrides any field.
 */
export function seedComment(id: string, name: string, extra: Partial<Comment> = {}): Comment {
  return {
    id,
    threadId: 'post',
    parentId: null,
    author: { name, avatarSeed: id },
    body: `Words from ${name}.`,
    createdAt: new Date(BASE + Number(id.replace(/\D/g, '') || 0) * 60_000).toISOString(),
    status: 'approved',
    ...extra,
  };
}
