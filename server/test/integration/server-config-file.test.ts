import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveServerConfig } from '../../src/config/config';
import { readConfigFile } from '../../src/config/config-file';

const folder = mkdtempSync(join(tmpdir(), 'colloquy-config-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function configFile(name: string, text: string) {
  const path = join(folder, name);
  writeFileSync(path, text);
  return path;
}

describe('the config file', () => {
  const path = configFile('colloquy.json', JSON.stringify({ origins: ['https://a.example', 'https://b.example'], rateLimit: 20, moderation: 'all' }));

  it('is read from --config, and its keys are the option names', () => {
    const { file, argv } = readConfigFile({}, ['--port', '9000', '--config', path]);
    expect(argv).toEqual(['--port', '9000']);
    expect(resolveServerConfig({}, argv, file)).toMatchObject({
      port: 9000,
      origins: ['https://a.example', 'https://b.example'],
      rateLimit: 20,
      moderation: 'all',
    });
  });

  it('is read from COLLOQUY_CONFIG too, and --config=PATH wins over it', () => {
    expect(readConfigFile({ COLLOQUY_CONFIG: path }, []).file).toMatchObject({ rateLimit: 20 });
    const other = configFile('other.json', '{"rateLimit": 5}');
    expect(readConfigFile({ COLLOQUY_CONFIG: path }, [`--config=${other}`]).file).toEqual({ rateLimit: 5 });
  });

  it('loses to variables, which lose to flags', () => {
    const { file } = readConfigFile({}, ['--config', path]);
    expect(resolveServerConfig({ COLLOQUY_RATE_LIMIT: '30' }, [], file).rateLimit).toBe(30);
    expect(resolveServerConfig({ COLLOQUY_RATE_LIMIT: '30' }, ['--rate-limit', '40'], file).rateLimit).toBe(40);
    // An empty variable counts as unset, so the file's value stands.
    expect(resolveServerConfig({ COLLOQUY_RATE_LIMIT: ' ' }, [], file).rateLimit).toBe(20);
  });

  it('means nothing when none is named', () => {
    expect(readConfigFile({}, ['--port', '1'])).toEqual({ file: {}, argv: ['--port', '1'] });
  });

  it.each([
    ['an unknown key', { ratelimit: 3 }, '"ratelimit (config file)" is not an option'],
    ['a value of the wrong kind', { origins: { a: 1 } }, '"origins (config file)" must be a string, number, boolean or list'],
    ['a value the option rejects', { rateLimit: -1 }, '"rateLimit (config file)"'],
  ])('names the key for %s', (_case, file, message) => {
    expect(() => resolveServerConfig({}, [], file)).toThrow(message);
  });

  it.each([
    ['a missing file', () => join(folder, 'missing.json'), 'could not be read as JSON'],
    ['a file that is not JSON', () => configFile('bad.json', 'origins = x'), 'could not be read as JSON'],
    ['JSON that is not an object', () => configFile('list.json', '["a"]'), 'must hold a JSON object'],
  ])('fails clearly for %s', (_case, make, message) => {
    const missing = make();
    expect(() => readConfigFile({}, ['--config', missing])).toThrow(`[colloquy] option "--config" names ${missing}`);
    expect(() => readConfigFile({ COLLOQUY_CONFIG: missing }, [])).toThrow(message);
  });

  it('needs a path after --config', () => {
    expect(() => readConfigFile({}, ['--config'])).toThrow('[colloquy] option "--config" needs the path of a JSON file');
  });
});
