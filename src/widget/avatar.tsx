import { h } from 'preact';
import { identicon } from '../core/avatar';

/**
 * A locally drawn identicon: no request to Gravatar or anyone else. One element and one path per
 * avatar, coloured through CSS, because a long thread has hundreds of them.
 */
export function Avatar({ seed }: { seed: string }) {
  const { hue, cells } = identicon(seed);
  return (
    <svg class="avatar" viewBox="0 0 5 5" aria-hidden="true" style={`--hue:${hue}`}>
      <path d={cells.map(([x, y]) => `M${x} ${y}h1v1h-1z`).join('')} />
    </svg>
  );
}
