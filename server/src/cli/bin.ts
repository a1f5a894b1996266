// The `colloquy` command (`npm run build` writes it to dist/colloquy.js with a #! line).
import { runCli } from './cli';

await runCli(process.argv.slice(2));
