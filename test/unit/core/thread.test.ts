import { describe, expect, it } from 'vitest';
import { buildThread, keepUnchanged, withAncestors, type ThreadNode } from '../../../src/core/thread';
import type { Comment, SortOrder } from '../../../src/core/types';

const BASE = Date.UTC(2024, 0, 1);

/** A comment posted `minute` minutes after BASE. */
function comment(id: string, parentId: string | null, minute: number, extra: Partial<Comment> = {}): Comment {
  return {
    id,
    threadId: 't',
    parentId,
    author: { name: `Author ${id}`, avatarSeed: id },
    body: `Body ${id}`,
    createdAt: new Date(BASE + minute * 60_000).toISOString(),
    status: 'approved',
    ...extra,
  };
}

/** Pre-order `id@depth` list (with an explicit stack, so deep trees are fine). Fixes the tree's shape. */
function outline(nodes: readonly ThreadNode[]): string[] {
  const out: string[] = [];
  const stack = [...nodes].reverse();
  for (let node; (node = stack.pop());) {
    out.push(`${node.comment.id}@${node.depth}`);
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
  return out;
}

/** Every node with the node it hangs under (undefined = top level), pre-order. */
function walk(nodes: readonly ThreadNode[]): { node: ThreadNode; host: ThreadNode | undefined }[] {
  const out: { node: ThreadNode; host: ThreadNode | undefined }[] = [];
  const stack = [...nodes].reverse().map((node) => ({ node, host: undefined as ThreadNode | undefined }));
  for (let item; (item = stack.pop());) {
    out.push(item);
    for (let i = item.node.children.length - 1; i >= 0; i--) stack.push({ node: item.node.children[i]!, host: item.node });
  }
  return out;
}

const build = (comments: readonly Comment[], maxDepth = 5, sort: SortOrder = 'oldest') => buildThread(comments, { maxDepth, sort });

/** Mulberry32: a tiny seeded PRNG, so the random cases are the same on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(items: T[], rand: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

describe('buildThread: order', () => {
  it('returns nothing for no comments', () => {
    expect(build([])).toEqual([]);
  });

  it('orders top-level comments oldest first', () => {
    const list = [comment('b', null, 2), comment('c', null, 3), comment('a', null, 1)];
    expect(outline(build(list, 5, 'oldest'))).toEqual(['a@1', 'b@1', 'c@1']);
  });

  it('orders top-level comments newest first', () => {
    const list = [comment('b', null, 2), comment('c', null, 3), comment('a', null, 1)];
    expect(outline(build(list, 5, 'newest'))).toEqual(['c@1', 'b@1', 'a@1']);
  });

  it('breaks ties by id: ascending for oldest, descending for newest', () => {
    const list = [comment('y', null, 1), comment('x', null, 1), comment('z', null, 1), comment('w', null, 0)];
    expect(outline(build(list, 5, 'oldest'))).toEqual(['w@1', 'x@1', 'y@1', 'z@1']);
    expect(outline(build(list, 5, 'newest'))).toEqual(['z@1', 'y@1', 'x@1', 'w@1']);
  });

  it('compares instants, not strings, across time-zone offsets', () => {
    const list = [
      comment('utc', null, 0, { createdAt: '2024-01-01T10:00:00Z' }),
      // 09:30 UTC: earlier, though it sorts later as a string.
      comment('paris', null, 0, { createdAt: '2024-01-01T10:30:00+01:00' }),
    ];
    expect(outline(build(list))).toEqual(['paris@1', 'utc@1']);
  });

  it('keeps replies oldest first at every level, whatever the sort and input order', () => {
    const list = [comment('a2', 'a', 9), comment('a1b', 'a1', 8), comment('a1a', 'a1', 7), comment('b', null, 5), comment('a1', 'a', 3), comment('a', null, 1)];
    const expected = ['a@1', 'a1@2', 'a1a@3', 'a1b@3', 'a2@2'];
    expect(outline(build(list, 5, 'oldest'))).toEqual([...expected, 'b@1']);
    expect(outline(build(list, 5, 'newest'))).toEqual(['b@1', ...expected]);
  });

  it('hands back the comment objects themselves', () => {
    const list = [comment('a', null, 1)];
    expect(build(list)[0]!.comment).toBe(list[0]);
  });
});

describe('buildThread: missing and bad parents', () => {
  it('shows orphans at top level, in the top-level order, with their replies', () => {
    const list = [comment('a', null, 1), comment('orphan', 'gone', 2), comment('reply', 'orphan', 3), comment('b', null, 4)];
    expect(outline(build(list, 5, 'oldest'))).toEqual(['a@1', 'orphan@1', 'reply@2', 'b@1']);
    expect(outline(build(list, 5, 'newest'))).toEqual(['b@1', 'orphan@1', 'reply@2', 'a@1']);
  });

  it('treats an empty parentId as missing', () => {
    expect(outline(build([comment('a', '', 1)]))).toEqual(['a@1']);
  });

  it('shows a self-reply at top level', () => {
    const list = [comment('a', null, 1), comment('self', 'self', 2), comment('child', 'self', 3)];
    expect(outline(build(list))).toEqual(['a@1', 'self@1', 'child@2']);
  });

  it('shows the members of a cycle at top level, and what hangs off the cycle beneath them', () => {
    const list = [
      comment('p', 'r', 1),
      comment('q', 'p', 2),
      comment('r', 'q', 3),
      comment('tail', 'q', 4),
      comment('tip', 'tail', 5),
      comment('top', null, 6),
    ];
    expect(outline(build(list))).toEqual(['p@1', 'q@1', 'tail@2', 'tip@3', 'r@1', 'top@1']);
  });

  it('finds the same cycle whichever member comes first', () => {
    const members = [comment('p', 'q', 1), comment('q', 'p', 2), comment('x', 'q', 3)];
    expect(outline(build(members))).toEqual(['p@1', 'q@1', 'x@2']);
    expect(outline(build([...members].reverse()))).toEqual(['p@1', 'q@1', 'x@2']);
  });

  it('keeps both comments of a duplicated id; replies go to the first', () => {
    const list = [comment('d', null, 1, { body: 'first' }), comment('d', null, 2, { body: 'second' }), comment('r', 'd', 3)];
    const roots = build(list);
    expect(roots.map((n) => [n.comment.body, n.children.length])).toEqual([
      ['first', 1],
      ['second', 0],
    ]);
  });
});

describe('buildThread: depth cap', () => {
  const chain = (length: number) => Array.from({ length }, (_, i) => comment(`c${i + 1}`, i ? `c${i}` : null, i));

  it('maxDepth 1 is flat, in the top-level order', () => {
    const list = [comment('a', null, 1), comment('a1', 'a', 2), comment('a1a', 'a1', 4), comment('b', null, 3)];
    expect(outline(build(list, 1, 'oldest'))).toEqual(['a@1', 'a1@1', 'b@1', 'a1a@1']);
    expect(outline(build(list, 1, 'newest'))).toEqual(['a1a@1', 'b@1', 'a1@1', 'a@1']);
  });

  it('maxDepth 2 hangs deeper replies under the top-level ancestor, in date order', () => {
    const list = [comment('a', null, 1), comment('b', 'a', 2), comment('c', 'b', 3), comment('e', 'a', 4), comment('d', 'c', 5), comment('f', 'e', 6)];
    expect(outline(build(list, 2))).toEqual(['a@1', 'b@2', 'c@2', 'e@2', 'd@2', 'f@2']);
  });

  it('maxDepth 5 leaves shallower replies alone', () => {
    expect(outline(build(chain(5), 5))).toEqual(['c1@1', 'c2@2', 'c3@3', 'c4@4', 'c5@5']);
  });

  it('maxDepth 5: a chain of 50 ends with every deep reply at depth 5 under the depth-4 one', () => {
    const roots = build(chain(50), 5);
    const c4 = roots[0]!.children[0]!.children[0]!.children[0]!;
    expect(c4.comment.id).toBe('c4');
    expect(c4.depth).toBe(4);
    expect(c4.children.map((n) => n.comment.id)).toEqual(Array.from({ length: 46 }, (_, i) => `c${i + 5}`));
    expect(c4.children.every((n) => n.depth === 5 && n.children.length === 0)).toBe(true);
  });

  it('places a capped reply by date among its new siblings', () => {
    // x is deep (a > b > c > d > x) but older than d2, a direct reply at depth 4.
    const list = [
      comment('a', null, 1),
      comment('b', 'a', 2),
      comment('c', 'b', 3),
      comment('d', 'c', 4),
      comment('x', 'd', 5),
      comment('d2', 'c', 6),
      comment('y', 'x', 7),
    ];
    expect(outline(build(list, 4))).toEqual(['a@1', 'b@2', 'c@3', 'd@4', 'x@4', 'd2@4', 'y@4']);
  });

  it('caps orphans and cycles by their own depth, like any comment', () => {
    const list = [comment('o', 'gone', 1), comment('o1', 'o', 2), comment('o2', 'o1', 3), comment('s', 's', 4), comment('s1', 's', 5), comment('s2', 's1', 6)];
    expect(outline(build(list, 2))).toEqual(['o@1', 'o1@2', 'o2@2', 's@1', 's1@2', 's2@2']);
  });

  it('treats maxDepth below 1 or NaN as flat and Infinity as no cap', () => {
    expect(outline(build(chain(3), 0))).toEqual(['c1@1', 'c2@1', 'c3@1']);
    expect(outline(build(chain(3), Number.NaN))).toEqual(['c1@1', 'c2@1', 'c3@1']);
    expect(outline(build(chain(3), Infinity))).toEqual(['c1@1', 'c2@2', 'c3@3']);
  });

  it('handles a 10,000-deep chain given children first, without recursion', () => {
    const list = chain(10_000).reverse();
    const flat = outline(build(list, Infinity));
    expect(flat).toHaveLength(10_000);
    expect(flat.at(-1)).toBe('c10000@10000');

    const capped = build(list, 5);
    const c4 = capped[0]!.children[0]!.children[0]!.children[0]!;
    expect(c4.children).toHaveLength(9_996);
    expect(c4.children.at(-1)!.comment.id).toBe('c10000');
  });
});

describe('buildThread: content', () => {
  it('keeps deleted comments as nodes, replies included', () => {
    const list = [comment('a', null, 1, { status: 'deleted', body: '' }), comment('b', 'a', 2), comment('p', null, 3, { status: 'pending' })];
    const roots = build(list);
    expect(outline(roots)).toEqual(['a@1', 'b@2', 'p@1']);
    expect(roots[0]!.comment.status).toBe('deleted');
  });

  const deleted = (id: string, parentId: string | null, minute: number) => comment(id, parentId, minute, { status: 'deleted', body: '' });

  it('leaves out a placeholder with no reply in the list (its replies are held, or gone)', () => {
    expect(outline(build([deleted('a', null, 1), comment('b', null, 2)]))).toEqual(['b@1']);
  });

  it('leaves out placeholders whose only replies are placeholders, at any depth', () => {
    const list = [deleted('a', null, 1), deleted('b', 'a', 2), deleted('c', 'b', 3), deleted('d', 'a', 4), comment('e', null, 5)];
    expect(outline(build(list))).toEqual(['e@1']);
  });

  it('keeps every placeholder above a shown reply, however deep, and only those', () => {
    const list = [deleted('a', null, 1), deleted('b', 'a', 2), comment('c', 'b', 3, { status: 'pending' }), deleted('d', 'a', 4), deleted('e', 'd', 5)];
    expect(outline(build(list, 2))).toEqual(['a@1', 'b@2', 'c@2']);
  });

  it('keeps a placeholder in a cycle that a shown comment hangs off, and leaves out one that none does', () => {
    const list = [deleted('a', 'b', 1), deleted('b', 'a', 2), comment('c', 'a', 3), deleted('x', 'y', 4), deleted('y', 'x', 5)];
    expect(outline(build(list))).toEqual(['a@1', 'c@2', 'b@1']);
  });

  it('marks a 10,000-deep chain of placeholders above one reply in linear time, without recursion', () => {
    const list = Array.from({ length: 10_000 }, (_, i) => deleted(`n${i}`, i ? `n${i - 1}` : null, i));
    list.push(comment('leaf', 'n9999', 10_000));
    const all = walk(build(list.reverse(), Infinity));
    expect(all).toHaveLength(10_001);
    expect(all.at(-1)!.node.comment.id).toBe('leaf');
  });

  it('does not modify its input', () => {
    const list = [comment('b', 'a', 2), comment('a', null, 1)];
    const copy = structuredClone(list);
    build(list, 1, 'newest');
    expect(list).toEqual(copy);
  });
});

describe('buildThread: a random 10,000-comment thread', () => {
  const rand = random(20240101);
  const comments: Comment[] = [];
  for (let i = 0; i < 10_000; i++) {
    const roll = rand();
    // Mostly replies to an earlier comment, some top level, a few orphans; many equal timestamps.
    const parentId = i === 0 || roll < 0.15 ? null : roll < 0.2 ? `missing${i}` : `n${Math.floor(rand() * i)}`;
    comments.push(comment(`n${i}`, parentId, Math.floor(i / 3) + Math.floor(rand() * 5)));
  }
  const byId = new Map(comments.map((c) => [c.id, c]));
  /** The comment's ancestors in the data, nearest first. */
  const ancestors = (c: Comment) => {
    const out: string[] = [];
    for (let p = c.parentId && byId.get(c.parentId); p; p = p.parentId && byId.get(p.parentId)) out.push(p.id);
    return out;
  };
  const key = (n: ThreadNode) => [Date.parse(n.comment.createdAt), n.comment.id] as const;
  const before = (a: ThreadNode, b: ThreadNode) => {
    const [ta, ia] = key(a);
    const [tb, ib] = key(b);
    return ta < tb || (ta === tb && ia < ib);
  };
  const input = shuffle([...comments], rand);

  for (const maxDepth of [1, 3, 8, Infinity]) {
    for (const sort of ['oldest', 'newest'] as const) {
      it(`places every comment once, correctly (maxDepth ${maxDepth}, ${sort})`, () => {
        const roots = buildThread(input, { maxDepth, sort });
        const all = walk(roots);
        expect(all).toHaveLength(comments.length);
        expect(new Set(all.map(({ node }) => node.comment.id)).size).toBe(comments.length);

        let deepest = 0;
        for (const { node, host } of all) {
          const chain = ancestors(node.comment);
          const natural = chain.length + 1;
          deepest = Math.max(deepest, node.depth);
          expect(node.depth).toBe(Math.min(natural, maxDepth));
          if (!host) expect(node.depth).toBe(1);
          else {
            expect(node.depth).toBe(Math.min(host.depth + 1, maxDepth));
            // The host is the ancestor at the shown depth minus one.
            expect(host.comment.id).toBe(chain[natural - node.depth]);
          }
          for (let i = 1; i < node.children.length; i++) {
            expect(before(node.children[i - 1]!, node.children[i]!)).toBe(true);
          }
        }
        expect(deepest).toBeLessThanOrEqual(maxDepth);
        for (let i = 1; i < roots.length; i++) {
          const [a, b] = sort === 'oldest' ? [roots[i - 1]!, roots[i]!] : [roots[i]!, roots[i - 1]!];
          expect(before(a, b)).toBe(true);
        }
      });
    }
  }

  it('is deep enough to exercise the cap', () => {
    expect(Math.max(...comments.map((c) => ancestors(c).length + 1))).toBeGreaterThan(8);
  });
});

describe('keepUnchanged', () => {
  const options = { maxDepth: 3, sort: 'oldest' as SortOrder };
  const a = comment('a', null, 1);
  const b = comment('b', 'a', 2);
  const c = comment('c', null, 3);
  const d = comment('d', 'c', 4);
  const byId = (nodes: readonly ThreadNode[], id: string): ThreadNode | undefined => {
    for (const node of nodes) {
      const found = node.comment.id === id ? node : byId(node.children, id);
      if (found) return found;
    }
    return undefined;
  };

  it('keeps the nodes of a thread that did not change, and makes new ones only above a new reply', () => {
    const before = buildThread([a, b, c, d], options);
    const e = comment('e', 'b', 5);
    const after = keepUnchanged(buildThread([a, b, c, d, e], options), before);
    expect(outline(after)).toEqual(['a@1', 'b@2', 'e@3', 'c@1', 'd@2']);
    // c's branch is the same objects; a and b hold a new reply, so they are new.
    expect(byId(after, 'c')).toBe(byId(before, 'c'));
    expect(byId(after, 'd')).toBe(byId(before, 'd'));
    expect(byId(after, 'a')).not.toBe(byId(before, 'a'));
    expect(byId(after, 'b')).not.toBe(byId(before, 'b'));
  });

  it('takes a new node for a comment that is a new object, or that moved to another depth', () => {
    const before = buildThread([a, b, c, d], options);
    const edited = { ...d, body: 'Edited' };
    const after = keepUnchanged(buildThread([a, b, c, edited], options), before);
    expect(byId(after, 'd')?.comment).toBe(edited);
    expect(byId(after, 'c')).not.toBe(byId(before, 'c'));
    expect(byId(after, 'a')).toBe(byId(before, 'a'));

    // d's parent was on a later page: d was top level, now it is a reply.
    const orphan = buildThread([a, d], options);
    const placed = keepUnchanged(buildThread([a, c, d], options), orphan);
    expect(byId(placed, 'd')).not.toBe(byId(orphan, 'd'));
    expect(byId(placed, 'd')?.depth).toBe(2);
  });
});

describe('withAncestors', () => {
  it('gives the ids asked for that are in the tree, with every comment above them', () => {
    const nodes = buildThread([comment('a', null, 1), comment('b', 'a', 2), comment('c', 'b', 3), comment('d', null, 4)], { maxDepth: 5, sort: 'oldest' });
    expect([...withAncestors(nodes, ['c', null, 'gone'])].sort()).toEqual(['a', 'b', 'c']);
    expect([...withAncestors(nodes, ['d', 'b'])].sort()).toEqual(['a', 'b', 'd']);
    expect(withAncestors(nodes, [null]).size).toBe(0);
  });
});
