/**
 * `npm run size`: the bytes a reader downloads. Raw, gzip (zlib level 9) and brotli (quality 11) of
 * the script-tag bundle (CSS inlined) and the npm module, beside the budget and the goal. Exits 1
 * when the script-tag bundle is over budget. Bytes, not timings: the same build gives the same
 * figures on every machine.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/**
 * The hard limit for dist/colloquy.js, gzipped; test/e2e/package.test.ts enforces it too. 19.5 KB since
 * the linear markdown parser with its element cap, bidi isolation, the render-once comment items (heap
 * 8.2 -> 2.5 MiB for 1,000 comments) and sign-in's hooks in the form and the adapter (its UI is a pack
 * of its own) took 1.2 KB; the goal below is still open.
 */
export const budgetBytes = 19.5 * 1024;
/** Where we want to be. */
export const goalBytes = 15 * 1024;

export interface Sizes {
  raw: number;
  gzip: number;
  brotli: number;
}

export function measure(bytes: Buffer): Sizes {
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    }).length,
  };
}

const kb = (n: number) => `${(n / 1024).toFixed(2)} KB`;

function main() {
  const files = [
    { file: 'colloquy.js', what: 'script tag (IIFE, Preact + CSS inlined)', budgeted: true },
    { file: 'colloquy.mjs', what: 'npm module (Preact, nanoid external)', budgeted: false },
  ];
  const rows: string[][] = [['file', 'raw', 'gzip -9', 'brotli 11', 'budget (gzip)', 'goal (gzip)', '']];
  let over = false;
  for (const { file, what, budgeted } of files) {
    let sizes: Sizes;
    try {
      sizes = measure(readFileSync(fileURLToPath(new URL(`../../dist/${file}`, import.meta.url))));
    } catch {
      console.error(`dist/${file} is missing: run \`npm run build\` first.`);
      process.exit(1);
    }
    const verdict = !budgeted ? what : sizes.gzip > budgetBytes ? 'OVER BUDGET' : sizes.gzip > goalBytes ? 'within budget, above goal' : 'within goal';
    if (budgeted && sizes.gzip > budgetBytes) over = true;
    rows.push([
      `dist/${file}`,
      `${sizes.raw} B`,
      `${sizes.gzip} B (${kb(sizes.gzip)})`,
      `${sizes.brotli} B (${kb(sizes.brotli)})`,
      budgeted ? `${budgetBytes} B (${kb(budgetBytes)})` : '—',
      budgeted ? `${goalBytes} B (${kb(goalBytes)})` : '—',
      verdict,
    ]);
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const [index, row] of rows.entries()) {
    console.log(
      row
        .map((cell, column) => (column === 0 || column === row.length - 1 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
        .join('  ')
        .trimEnd(),
    );
    if (index === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  if (over) {
    console.error(`\ndist/colloquy.js is over its ${budgetBytes}-byte gzip budget.`);
    process.exit(1);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
