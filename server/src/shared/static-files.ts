import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export interface StaticFilesOptions {
  /** URL prefix → folder, tried in order, e.g. [['/', 'demo'], ['/', 'dist']]. */
  mounts: [prefix: string, folder: string][];
  /** Served for a path ending in '/'. @default 'index.html' */
  index?: string;
}

export interface StaticFile {
  body: Buffer;
  contentType: string;
}

/**
 * Finds the file a URL names: the demo pages and the built bundle. Paths are decoded and normalized
 * and must stay inside their folder, so `/../package.json` and encoded variants find nothing.
 */
export function createStaticFiles({ mounts, index = 'index.html' }: StaticFilesOptions) {
  return async (url: string): Promise<StaticFile | null> => {
    let path: string;
    try {
      path = decodeURIComponent(new URL(url, 'http://localhost').pathname);
    } catch {
      return null;
    }
    if (path.endsWith('/')) path += index;
    for (const [prefix, folder] of mounts) {
      if (!path.startsWith(prefix)) continue;
      const file = normalize(join(folder, path.slice(prefix.length)));
      if (!file.startsWith(normalize(folder) + sep) || file.includes('\0')) return null;
      try {
        return { body: await readFile(file), contentType: types[extname(file)] ?? 'application/octet-stream' };
      } catch {
        // Not in this folder: try the next mount.
      }
    }
    return null;
  };
}
