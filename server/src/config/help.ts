import { defaultServerConfig, serverOptions, type ServerConfig } from './config';

/** The option table as `colloquy --help` prints it. */
export function describeServerOptions(): string {
  return Object.entries(serverOptions)
    .map(([key, { env, flag, help }]) => {
      const fallback = defaultServerConfig[key as keyof ServerConfig];
      const shown =
        key === 'secret'
          ? 'generated and stored in the database'
          : key === 'adminPassword'
            ? 'none: /admin is off'
            : Array.isArray(fallback)
              ? fallback.length
                ? fallback.join(',')
                : 'none'
              : String(fallback) || 'none';
      return `  ${`${flag} <value>`.padEnd(32)}${env}, file key "${key}"\n  ${''.padEnd(32)}${help} (default: ${shown})`;
    })
    .join('\n');
}
