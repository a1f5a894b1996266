import { en, type Messages, type PluralMessage } from './en';

export type { Messages };

type MessageKey = { [K in keyof Messages]: Messages[K] extends string ? K : never }[keyof Messages];
type PluralKey = Exclude<keyof Messages, MessageKey>;
type Params = Record<string, string | number>;

// English is built in; other languages are registered, so a page loads only the language it shows.
const locales: Record<string, Messages> = { en };
const rightToLeft = new Set(['ar', 'he', 'fa', 'ur']);

/** Makes a language available to `locale` (e.g. `registerLocale('ar', ar)`). */
export function registerLocale(tag: string, messages: Messages): void {
  locales[tag.toLowerCase()] = messages;
}

/** The translation functions the widget uses; one per mounted widget. */
export interface Translator {
  locale: string;
  dir: 'ltr' | 'rtl';
  t(key: MessageKey, params?: Params): string;
  plural(key: PluralKey, count: number, params?: Params): string;
  relativeTime(iso: string, now?: number): string;
  absoluteTime(iso: string): string;
}

const fill = (template: string, params: Params = {}) =>
  template.replace(/\{(\w+)\}/g, (match, name: string) => (name in params ? String(params[name]) : match));

/** Picks the best supported locale: exact tag, then its language ('ar-EG' → 'ar'), then English. */
export function matchLocale(requested: string | undefined): string {
  if (!requested) return 'en';
  const lower = requested.toLowerCase();
  const language = lower.split('-')[0]!;
  return lower in locales ? lower : language in locales ? language : 'en';
}

const units: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 31536000],
  ['month', 2592000],
  ['week', 604800],
  ['day', 86400],
  ['hour', 3600],
  ['minute', 60],
];

export function createTranslator(requested?: string): Translator {
  const locale = matchLocale(requested);
  const messages = locales[locale] ?? en;
  const pluralRules = new Intl.PluralRules(locale);
  const relative = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const absolute = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short' });
  return {
    locale,
    dir: rightToLeft.has(locale) ? 'rtl' : 'ltr',
    t: (key, params) => fill(messages[key], params),
    plural(key, count, params) {
      const forms: PluralMessage = messages[key];
      return fill(forms[pluralRules.select(count)] ?? forms.other, { count, ...params });
    },
    relativeTime(iso, now = Date.now()) {
      const seconds = (Date.parse(iso) - now) / 1000;
      for (const [unit, size] of units) {
        if (Math.abs(seconds) >= size) return relative.format(Math.trunc(seconds / size), unit);
      }
      return relative.format(0, 'second');
    },
    absoluteTime: (iso) => absolute.format(new Date(iso)),
  };
}
