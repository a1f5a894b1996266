/** FNV-1a: a tiny, stable, non-cryptographic hash — enough to spread avatar seeds, not to protect secrets. */
export function hashString(value: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) hash = Math.imul(hash ^ value.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** The seed an identicon is drawn from: derived from the email so it is stable, but never the email itself. */
export const avatarSeed = (email: string, name: string) => hashString((email || name).trim().toLowerCase()).toString(36);

export interface Identicon {
  hue: number;
  /** Filled cells of a 5×5 grid as [column, row]; mirrored left to right, like GitHub's identicons. */
  cells: [number, number][];
}

/** Draws a deterministic identicon from a seed, entirely locally: no third-party avatar request. */
export function identicon(seed: string): Identicon {
  const hash = hashString(seed);
  const cells: [number, number][] = [];
  for (let bit = 0; bit < 15; bit++) {
    if ((hash >>> bit) & 1) {
      const column = Math.floor(bit / 5);
      const row = bit % 5;
      cells.push([column, row]);
      if (column < 2) cells.push([4 - column, row]);
    }
  }
  return { hue: (hash >>> 15) % 360, cells };
}
