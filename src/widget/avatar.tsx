import { identicon } from '../core/avatar';

/** A locally drawn identicon: no request to Gravatar or anyone else. */
export function Avatar({ seed }: { seed: string }) {
  const { hue, cells } = identicon(seed);
  return (
    <svg class="avatar" viewBox="0 0 5 5" width="40" height="40" aria-hidden="true" focusable="false">
      <rect width="5" height="5" fill={`hsl(${hue} 30% 92%)`} />
      {cells.map(([x, y]) => (
        <rect x={x} y={y} width="1" height="1" fill={`hsl(${hue} 55% 45%)`} />
      ))}
    </svg>
  );
}
