import { setupServer } from 'msw/node';

/**
 * The one request-mocking server for component tests of the HTTP adapter. It has no handlers of its
 * own: each test scripts the responses it needs with `server.use(...)`. Suites call
 * `server.listen({ onUnhandledRequest: 'error' })` in beforeAll, `server.resetHandlers()` in
 * afterEach and `server.close()` in afterAll, so a request nobody scripted fails the test.
 */
export const server = setupServer();
