import { readFileSync } from 'node:fs';
import type { FastifyError } from 'fastify';
import { describe, expect, it } from 'vitest';
import { API_ERRORS, ApiError, toApiError, type ApiErrorCode } from '../../src/shared/errors';

/** The rows of a markdown page's `## Errors` table, as `<status> <code>`, in page order. */
function documentedErrors(markdown: string): string[] {
  const section = /^## Errors[ \t]*\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(markdown)?.[1];
  if (section === undefined) throw new Error('docs/api.md has no "## Errors" section');
  const rows = section.split('\n').filter((line) => line.startsWith('|'));
  // The header and the separator row; every row after them must be one error.
  return rows.slice(2).map((row) => {
    const match = /^\|\s*(\d{3})\s*\|\s*`([a-z-]+)`\s*\|.*\|\s*$/.exec(row);
    if (!match) throw new Error(`docs/api.md: an error row is not "| status | \`code\` | when |": ${row}`);
    return `${match[1]} ${match[2]}`;
  });
}

const registered = () => Object.entries(API_ERRORS).map(([code, { status }]) => `${status} ${code}`);

describe('the error registry', () => {
  it('is the table of docs/api.md: the same codes with the same statuses, each once', () => {
    const documented = documentedErrors(readFileSync(new URL('../../../docs/api.md', import.meta.url), 'utf8'));
    expect(new Set(documented).size, 'a row is repeated').toBe(documented.length);
    expect([...documented].sort()).toEqual(registered().sort());
  });

  it('reads a table so that a missing, extra or renumbered row shows', () => {
    const page = (rows: string[]) =>
      ['# API', '', '## Errors', '', '| status | code | when |', '|---|---|---|', ...rows, '', '## Next', '| 1 | `x` | y |'].join('\n');
    const rows = registered().map((entry) => `| ${entry.replace(' ', ' | `')}\` | because |`);
    expect(documentedErrors(page(rows)).sort()).toEqual(registered().sort());
    expect(documentedErrors(page(rows.slice(1))).sort()).not.toEqual(registered().sort());
    expect(documentedErrors(page([...rows, '| 418 | `teapot` | never |'])).sort()).not.toEqual(registered().sort());
    expect(documentedErrors(page(rows.map((row) => row.replace('| 400 |', '| 422 |')))).sort()).not.toEqual(registered().sort());
    expect(() => documentedErrors(page([...rows, '| 400 | invalid | no backticks |']))).toThrow(/not "\| status/);
    expect(() => documentedErrors('# API')).toThrow(/no "## Errors"/);
  });

  it('gives each status one code, so a status alone names its code', () => {
    const statuses = Object.values(API_ERRORS).map(({ status }) => status);
    expect(new Set(statuses).size).toBe(statuses.length);
  });

  it('takes the status and the default message from the registry', () => {
    for (const code of Object.keys(API_ERRORS) as ApiErrorCode[]) {
      const error = new ApiError(code);
      expect(error.statusCode).toBe(API_ERRORS[code].status);
      expect(error.toJSON()).toEqual({ error: { code, message: API_ERRORS[code].message } });
    }
    expect(new ApiError('invalid', 'Too long.', 'body').toJSON()).toEqual({ error: { code: 'invalid', message: 'Too long.', field: 'body' } });
  });

  it('answers any other failure with a registered code and its status', () => {
    const failure = (statusCode: number | undefined, message = 'plugin said no') => Object.assign(new Error(message), { statusCode }) as FastifyError;
    expect(toApiError(failure(403), 1024).toJSON().error).toEqual({ code: 'forbidden', message: 'plugin said no' });
    // A client error the registry does not list is `invalid`, with invalid's status.
    expect(toApiError(failure(405), 1024)).toMatchObject({ code: 'invalid', statusCode: 400 });
    expect(toApiError(failure(418, ''), 1024)).toMatchObject({ code: 'invalid', statusCode: 400, message: API_ERRORS.invalid.message });
    expect(toApiError(failure(503), 1024)).toMatchObject({ code: 'unavailable', statusCode: 503 });
    expect(toApiError(failure(undefined, 'secret detail'), 1024)).toMatchObject({ code: 'server', statusCode: 500, message: API_ERRORS.server.message });
  });
});
