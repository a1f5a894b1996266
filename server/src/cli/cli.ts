import manifest from '../../package.json' with { type: 'json' };
import { describeServerOptions } from '../config/help';
import { main } from '../main';
import { moderate } from './moderate';
import { users } from './users';

const usage = `Usage: colloquy serve [options]
       colloquy moderate list|approve|spam|delete|thread … (see colloquy moderate --help)
       colloquy users list|block|unblock … (see colloquy users --help)

Starts the Colloquy server: the comment API under /api, the script-tag bundle at /colloquy.js,
the moderation dashboard at /admin, and with --demo DIR the demo pages at /.
Every option is also an environment variable, and a key of the JSON file that --config PATH
(or COLLOQUY_CONFIG) names, e.g. {"origins": ["https://blog.example"], "rateLimit": 20}.
Flags win over variables, variables over the file:

${describeServerOptions()}
`;

/** `colloquy <command>`: `serve`, `moderate`, `--help`, `--version`. */
export async function runCli(argv: readonly string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'moderate') {
    process.exitCode = await moderate(rest);
    return;
  }
  if (command === 'users') {
    process.exitCode = await users(rest);
    return;
  }
  if (command === undefined || command === 'help' || command === '--help' || command === '-h' || rest.includes('--help')) {
    process.stdout.write(usage);
    return;
  }
  if (command === '--version' || command === '-v') {
    console.log(manifest.version);
    return;
  }
  if (command !== 'serve') {
    console.error(`[colloquy] unknown command "${command}"; try: colloquy serve --help`);
    process.exit(1);
  }
  await main(rest);
}
