import { useState } from 'preact/hooks';
import type { KeyValueStore } from '../core/types';
import { readJson, writeJson } from '../adapters/web-storage';

export interface DraftValues {
  body: string;
  name: string;
  email: string;
  url: string;
}

const empty: DraftValues = { body: '', name: '', email: '', url: '' };
const isDraft = (value: unknown): value is Partial<DraftValues> =>
  typeof value === 'object' && value !== null && Object.values(value).every((v) => typeof v === 'string');

const draftKey = (threadId: string) => `colloquy:draft:${threadId}`;
/** Where "Save my name, email, and website in this browser" keeps the details, for every thread. */
const authorKey = 'colloquy:author';

/**
 * The form's values, written to the browser as the reader types so that a reload, a crash or a
 * failed post never loses them. Details saved by the checkbox fill in what the draft lacks.
 */
export type Draft = ReturnType<typeof useDraft>;

export function useDraft(store: KeyValueStore, threadId: string) {
  // Read once: the section that keeps the draft is made anew for each thread.
  const [values, setValues] = useState((): DraftValues => ({
    ...empty,
    ...readJson(store, authorKey, isDraft),
    ...readJson(store, draftKey(threadId), isDraft),
  }));
  const [remember, setRemember] = useState(() => store.get(authorKey) !== null);

  return {
    values,
    remember,
    setRemember,
    update(field: keyof DraftValues, value: string) {
      const next = { ...values, [field]: value };
      setValues(next);
      writeJson(store, draftKey(threadId), next);
    },
    /** After a successful post: the comment text goes, the details stay only if the reader asked. */
    settle() {
      const { name, email, url } = values;
      if (remember) writeJson(store, authorKey, { name, email, url });
      else store.remove(authorKey);
      store.remove(draftKey(threadId));
      setValues(remember ? { ...empty, name, email, url } : empty);
    },
  };
}
