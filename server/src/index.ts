// `colloquy-server`: the reference server as a library, to run inside a site's own Node program.
export { createApp, type AppOptions } from './app';
export { startServer, ServerStartError, type RunningServer } from './main';
export { resolveServerConfig, defaultServerConfig, type ServerConfig, type AppConfig } from './config/config';
export { createStore, createSqliteStore, createPostgresStore, InvalidCursorError, StoreUnavailableError } from './store';
export type * from './store/types';
export type * from './store/interfaces';
export type { SpamCheckHook, SpamVerdict, SpamCheckComment, SpamCheckContext } from './comments/moderation';
