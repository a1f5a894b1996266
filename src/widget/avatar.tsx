import { identicon } from '../core/avatar';

/** A locally drawn identicon: no request to Gravatar or anyone else. */
export function Avatar({ seed }: { seed: string }) {
  const { hue, cells } = identicon(seed);
  return (
    <svg class="avatar" viewBox="0 0 5 5" width="40" height="40" aria-hidden="true" focusable="false">
      <rect width="5" height="5" fill={`hsl(${hue} 30% 92%)`} />
      {/* One path, not a rect per cell: a long thread has hundreds of avatars. */}
      <path d={cells.map(([x, y]) => `M${x} ${y}h1v1h-1z`).join('')} fill={`hsl(${hue} 55% 45%)`} />
    </svg>
  );
}
