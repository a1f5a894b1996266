import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
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
  /** URL prefix → folder, tried in order, e.g. { '/': 'demo', '/': 'dist' }. */
  mounts: [prefix: string, folder: string][];
  /** Served for '/'. @default 'index.html' */
  index?: string;
}

/**
 * Serves the demo pages and the built bundle. Paths are normalized and must stay inside their
 * folder, so `/../package.json` and encoded variants answer 404.
 */
export function createStaticFiles({ mounts, index = 'index.html' }: StaticFilesOptions) {
  return async (request: IncomingMessage, response: ServerResponse) => {
    let path: string;
    try {
      path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    } catch {
      path = '';
    }
    if (path.endsWith('/')) path += index;
    for (const [prefix, folder] of mounts) {
      if (!path.startsWith(prefix)) continue;
      const file = normalize(join(folder, path.slice(prefix.length)));
      if (!file.startsWith(normalize(folder) + sep) || file.includes('\0')) break;
      try {
        const body = await readFile(file);
        response.writeHead(200, {
          'content-type': types[extname(file)] ?? 'application/octet-stream',
          'cache-control': 'no-cache',
          'x-content-type-options': 'nosniff',
        });
        return response.end(request.method === 'HEAD' ? undefined : body);
      } catch {
        // Not in this folder: try the next mount.
      }
    }
    response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
  };
}
