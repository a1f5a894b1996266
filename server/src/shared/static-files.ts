import { readFile } from 'node:fs/promises';
import { extname, join, normalize, relative, sep } from 'node:path';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** A folder served under a URL prefix. */
export interface Mount {
  prefix: string;
  folder: string;
  /** Only the files whose path in the folder (with a leading '/') this matches are served. @default every file */
  only?: RegExp;
}

export interface StaticFilesOptions {
  /** The folders, tried in order, e.g. the demo pages, then the built bundles. */
  mounts: Mount[];
  /** Served for a path ending in '/'. @default 'index.html' */
  index?: string;
}

export interface StaticFile {
  body: Buffer;
  contentType: string;
}

/**
 * Finds the file a URL names: the demo pages and the built bundles. Paths are decoded and normalized
 * and must stay inside their folder, so `/../package.json` and encoded variants find nothing; a
 * mount with `only` serves nothing else of its folder.
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
    for (const { prefix, folder, only } of mounts) {
      if (!path.startsWith(prefix)) continue;
      const file = normalize(join(folder, path.slice(prefix.length)));
      if (!file.startsWith(normalize(folder) + sep) || file.includes('\0')) return null;
      // Judged on the normalized path, so no spelling of a URL reaches a file the mount does not serve.
      if (only && !only.test(`/${relative(folder, file).split(sep).join('/')}`)) continue;
      try {
        return { body: await readFile(file), contentType: types[extname(file)] ?? 'application/octet-stream' };
      } catch {
        // Not in this folder: try the next mount.
      }
    }
    return null;
  };
}
