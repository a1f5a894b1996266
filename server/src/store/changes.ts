/**
 * Which threads changed, for read caches: every rule that writes comments or threads reports the
 * thread inside its transaction (`Engine.changed`), and listeners hear of it once the transaction
 * has committed. Other processes' commits arrive through each engine's `watchOthers`
 * (PostgreSQL: LISTEN/NOTIFY, postgres-listener.ts; SQLite: the file's data_version).
 */
import type { Db, Engine } from './engine';
import type { ChangeFeed, ChangeListener, ChangeWatch } from './interfaces';

/** This process's commits: transactions that record the threads they change and announce them after commit. */
export interface LocalChanges {
  /** Runs `work` in a transaction of `db`; once it has committed, each thread it recorded is announced. */
  transaction<T>(db: Db, work: (tx: Db) => Promise<T>): Promise<T>;
  /** Records that the open transaction `tx` changes `threadId`. Throws outside a transaction: an autocommit write could not be announced after its commit. */
  record(tx: Db, threadId: string): void;
  subscribe(listener: ChangeListener): () => void;
}

export function createLocalChanges(): LocalChanges {
  const listeners = new Set<ChangeListener>();
  const open = new WeakMap<Db, Set<string>>();
  return {
    async transaction(db, work) {
      const changed = new Set<string>();
      const result = await db.transaction().execute((tx) => {
        open.set(tx, changed);
        return work(tx);
      });
      for (const threadId of changed) for (const listener of listeners) listener(threadId);
      return result;
    },
    record(tx, threadId) {
      const changed = open.get(tx);
      if (!changed) throw new Error('[colloquy] a change to a thread must be recorded inside the transaction that makes it');
      changed.add(threadId);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** The store's feed: this process's commits as they happen, plus what the engine hears of other processes'. */
export function createChangeFeed(engine: Pick<Engine, 'localChanges' | 'watchOthers'>): ChangeFeed {
  return {
    watch(listener): ChangeWatch {
      const unsubscribe = engine.localChanges.subscribe(listener);
      const others = engine.watchOthers(listener);
      return {
        get live() {
          return others.live;
        },
        ready: others.ready,
        check: () => others.check(),
        async stop() {
          unsubscribe();
          await others.stop();
        },
      };
    },
  };
}
