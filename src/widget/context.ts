import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Translator } from '../core/i18n';

export const TranslatorContext = createContext<Translator | null>(null);

/** The mounted widget's translator; every component below CommentSection can use it. */
export function useTranslator(): Translator {
  const translator = useContext(TranslatorContext);
  if (!translator) throw new Error('[colloquy] useTranslator outside CommentSection');
  return translator;
}
