import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';

/**
 * Waits for a `colloquy serve` child process to print its address. Collects everything it prints,
 * and rejects (with that output) if it exits first.
 */
export async function untilListening(
  child: ChildProcessByStdio<null, Readable, Readable>,
): Promise<{ url: string; exited: Promise<void>; output: () => string }> {
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Colloquy: (http:\/\/\S+)\//.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then(() => reject(new Error(`colloquy serve exited before listening:\n${output}`)));
  });
  return { url, exited, output: () => output };
}
