import type { Comment, SortOrder } from './types';

export interface ThreadNode {
  comment: Comment;
  /** 1 = top level; never more than `maxDepth`. */
  depth: number;
  /** Replies, oldest first. */
  children: ThreadNode[];
}

interface Entry {
  node: ThreadNode;
  time: number;
  parent: Entry | undefined;
  /** Not a placeholder, or a placeholder above a comment that is not one. */
  shown?: boolean;
  /** The entry this one is shown under: its parent, or an ancestor when capped. None = top level. */
  host: Entry | undefined;
  /** 0 = not reached, 1 = on the current climb, 2 = placed. */
  state: number;
}

/**
 * Turns a flat list of comments into the tree the widget renders. Linear apart from one sort, and
 * without recursion, so a chain thousands of replies deep cannot overflow the stack.
 *
 * Every comment appears exactly once, except placeholders (deleted comments) without a reply to show:
 * - A placeholder shows only above a comment that is not one, at any depth below it. Alone it says
 *   nothing, and above replies held for moderation (which the reader is not sent) it would reveal them.
 * - Orphans, whose parent is not in the list (not approved, or on another page), are top level:
 *   hiding them would lose replies a reader was allowed to see.
 * - Comments in a parent cycle, self-replies included (bad data), are top level.
 * - Depth cap, as in WordPress: a reply deeper than `maxDepth` joins the children of its ancestor at
 *   depth `maxDepth - 1`, so it shows at `maxDepth` in date order among them. `maxDepth: 1` is flat.
 *
 * Top-level comments follow `sort`; `newest` is the exact reverse of `oldest` (ties by id), as a
 * store's `ORDER BY created_at DESC, id DESC` would give. Replies are always oldest first.
 */
export function buildThread(comments: readonly Comment[], { maxDepth, sort }: { maxDepth: number; sort: SortOrder }): ThreadNode[] {
  // Tolerates 0, NaN and fractions rather than building a tree no rule describes; Infinity = no cap.
  const max = Math.max(1, Math.floor(maxDepth) || 1);
  const byId = new Map<string, Entry>();
  const entries = comments.map((comment): Entry => {
    const entry: Entry = {
      node: { comment, depth: 1, children: [] },
      // Parsed, not compared as strings: ISO 8601 allows offsets and varying fractions of a second.
      time: Date.parse(comment.createdAt) || 0,
      parent: undefined,
      host: undefined,
      state: 0,
    };
    // A duplicated id (bad data) still shows both comments; replies go to the first.
    if (!byId.has(comment.id)) byId.set(comment.id, entry);
    return entry;
  });
  for (const entry of entries) {
    const { parentId } = entry.node.comment;
    entry.parent = parentId == null ? undefined : byId.get(parentId);
  }
  // Each climb stops at an entry already shown (a cycle included), so this is linear too.
  for (const start of entries) {
    if (start.node.comment.status === 'deleted') continue;
    for (let entry: Entry | undefined = start; entry && !entry.shown; entry = entry.parent) entry.shown = true;
  }

  // Each entry is climbed over once: the climb stops at the first placed ancestor.
  const climb: Entry[] = [];
  for (const start of entries) {
    let entry: Entry | undefined = start;
    while (entry && !entry.state) {
      entry.state = 1;
      climb.push(entry);
      entry = entry.parent;
    }
    // Back at an entry of this same climb: everything above it on the stack is the cycle.
    if (entry?.state === 1) {
      let member: Entry;
      do {
        member = climb.pop()!;
        member.state = 2;
      } while (member !== entry);
    }
    for (let child; (child = climb.pop());) {
      const parent = child.parent;
      child.state = 2;
      if (parent) {
        const depth = parent.node.depth;
        child.node.depth = depth < max ? depth + 1 : max;
        child.host = depth < max ? parent : parent.host;
      }
    }
  }

  // Appending in date order leaves every list of replies sorted without sorting each one.
  entries.sort((a, b) => {
    const x = a.node.comment.id;
    const y = b.node.comment.id;
    return a.time - b.time || (x < y ? -1 : x > y ? 1 : 0);
  });
  const roots: ThreadNode[] = [];
  // A placeholder left out has only placeholders below it, so no shown comment loses its host.
  for (const { node, host, shown } of entries) if (shown) (host ? host.node.children : roots).push(node);
  return sort === 'newest' ? roots.reverse() : roots;
}

/**
 * `next` with each node whose comment (the same object), depth and replies are unchanged since
 * `previous` swapped for the node `previous` had, so that a renderer can skip an unchanged subtree by
 * identity: after a page of replies, only the new comments' nodes and their ancestors are new
 * objects. Linear; recursive, but only as deep as the tree (`maxDepth`, at most 20 in the widget).
 */
export function keepUnchanged(next: ThreadNode[], previous: readonly ThreadNode[]): ThreadNode[] {
  const before = new Map<string, ThreadNode>();
  const index = (nodes: readonly ThreadNode[]) => {
    for (const node of nodes) {
      before.set(node.comment.id, node);
      index(node.children);
    }
  };
  const share = (nodes: ThreadNode[]): ThreadNode[] =>
    nodes.map((node) => {
      const children = share(node.children);
      const old = before.get(node.comment.id);
      if (
        old?.comment === node.comment &&
        old.depth === node.depth &&
        old.children.length === children.length &&
        old.children.every((child, i) => child === children[i])
      ) {
        return old;
      }
      node.children = children;
      return node;
    });
  index(previous);
  return share(next);
}

/** The ids given that are in the tree, with the ids of every comment above them. Linear; recursive only as deep as the tree. */
export function withAncestors(nodes: readonly ThreadNode[], ids: readonly (string | null)[]): Set<string> {
  const found = new Set<string>();
  const path: string[] = [];
  const walk = (level: readonly ThreadNode[]) => {
    for (const node of level) {
      path.push(node.comment.id);
      if (ids.includes(node.comment.id)) for (const id of path) found.add(id);
      walk(node.children);
      path.pop();
    }
  };
  walk(nodes);
  return found;
}
