/* global window, fetch */
// The render bench's floor: a hand-written comment list, about as small as one can be. It fetches the
// thread in one response from the same API as the widget and renders the widget's markup (classes,
// avatars, dates, the bench bodies' markdown) with one innerHTML, keeping the comments as a widget
// keeps its state. No form, no editing, no pages: what any widget must at least pay for the list.
window.floorList = async (target, api) => {
  const { comments } = await (await fetch(`${api}/api/comments?thread=bench&limit=1000`)).json();
  window.floorComments = comments;
  const escape = (s) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const inline = (s) =>
    escape(s)
      .replace(/`([^`]+)`/g, '<code>$1</code>')
      .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
      .replace(/\*([^*]+)\*/g, '<em>$1</em>')
      .replace(/\[([^\]]+)\]\((https?:[^)\s]+)\)/g, '<a href="$2" rel="nofollow ugc noopener">$1</a>');
  const avatar = (seed) => {
    let hash = 0x811c9dc5;
    for (let i = 0; i < seed.length; i++) hash = Math.imul(hash ^ seed.charCodeAt(i), 0x01000193);
    let d = '';
    for (let bit = 0; bit < 15; bit++) {
      const x = Math.floor(bit / 5);
      if ((hash >>> bit) & 1) d += `M${x} ${bit % 5}h1v1h-1z` + (x < 2 ? `M${4 - x} ${bit % 5}h1v1h-1z` : '');
    }
    return `<svg class="avatar" viewBox="0 0 5 5" aria-hidden="true" style="--hue:${(hash >>> 15) % 360}"><path d="${d}"></path></svg>`;
  };
  const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  const absolute = new Intl.DateTimeFormat('en', { dateStyle: 'long', timeStyle: 'short' });
  const replies = new Map();
  for (const c of comments) replies.set(c.parentId, [...(replies.get(c.parentId) ?? []), c]);
  // Replies deeper than 5 join the replies of their ancestor at depth 4, in date order.
  const below = (c) => (replies.get(c.id) ?? []).flatMap((r) => [r, ...below(r)]);
  const byDate = (a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);
  const item = (c, depth) => {
    const name = escape(c.author.name);
    const time = Date.parse(c.createdAt);
    const children = depth < 4 ? (replies.get(c.id) ?? []) : depth === 4 ? below(c).sort(byDate) : [];
    return (
      `<li class="comment"><article id="comment-${c.id}" tabindex="-1" class="comment-body" aria-label="${name}"><header class="comment-meta">` +
      `${avatar(c.author.avatarSeed)}<span class="author"><b class="author-name">${name}</b> <span class="says">says:</span></span>` +
      `<a class="permalink" href="#comment-${c.id}"><time datetime="${c.createdAt}" title="${absolute.format(time)}">` +
      `${relative.format(Math.round((time - Date.now()) / 31536e6), 'year')}</time></a></header>` +
      `<div class="comment-content"><p>${inline(c.body)}</p></div>` +
      `<button type="button" class="reply" aria-label="Reply to ${name}">Reply</button></article>` +
      (children.length ? list(children, depth + 1) : '') +
      '</li>'
    );
  };
  const list = (items, depth) => `<ol class="${depth > 1 ? 'children' : 'comment-list'}">${items.map((c) => item(c, depth)).join('')}</ol>`;
  target.innerHTML =
    `<section class="colloquy" data-theme="light"><h2 class="comments-title">${comments.length} responses to “Bench”</h2>` +
    `${list(replies.get(null) ?? [], 1)}</section>`;
};
