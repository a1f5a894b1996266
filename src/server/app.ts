import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createStaticFiles } from './static-files';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The HTTP server for the demo: the host pages from demo/ and the bundle from dist/. It never
 * listens by itself, so tests start it in-process on a port of their choosing.
 */
export function createApp({ root = projectRoot }: { root?: string } = {}) {
  return createServer(createStaticFiles({ mounts: [['/', `${root}/demo`], ['/', `${root}/dist`]] }));
}
