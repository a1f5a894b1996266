#!/usr/bin/env node
// The `colloquy` command. The server is TypeScript run through tsx, so a clean clone needs no
// server build step; this launcher is plain JavaScript only because Node 20 cannot run .ts itself.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('./cli.ts');
await runCli(process.argv.slice(2));
