import { createApp } from './app';

const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? 'localhost';
const server = createApp();

server.listen(port, host, () => console.log(`Colloquy demo: http://${host}:${port}/`));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => server.close(() => process.exit(0)));
}
