import { describe, expect, it } from 'vitest';
import { createTranslator, matchLocale, registerLocale } from '../../../src/core/i18n';
import { ar } from '../../../src/core/i18n/ar';
import { en, type PluralMessage } from '../../../src/core/i18n/en';

// Only English is built in: Arabic is registered, as the script-tag pack and npm users do.
registerLocale('ar', ar);

const NOW = Date.UTC(2024, 5, 15, 12, 0, 0);
const ago = (seconds: number) => new Date(NOW - seconds * 1000).toISOString();

describe('matchLocale', () => {
  it.each([
    ['en', 'en'],
    ['ar', 'ar'],
    ['ar-EG', 'ar'],
    ['AR-eg', 'ar'],
    ['EN-us', 'en'],
    ['en-GB', 'en'],
    ['xx', 'en'],
    ['fr-FR', 'en'],
    ['', 'en'],
    [undefined, 'en'],
  ])('%j → %j', (requested, expected) => {
    expect(matchLocale(requested)).toBe(expected);
  });

  it('matches a locale only once it is registered', () => {
    expect(matchLocale('he')).toBe('en');
    registerLocale('HE', en);
    expect(matchLocale('he-IL')).toBe('he');
  });
});

describe('createTranslator', () => {
  describe('English', () => {
    const t = createTranslator('en-US');

    it('is English, left to right', () => {
      expect(t.locale).toBe('en');
      expect(t.dir).toBe('ltr');
    });

    it('has the empty heading as a message of its own', () => {
      expect(t.t('noResponses')).toBe('No responses yet');
    });

    it('pluralizes the heading', () => {
      expect(t.plural('responses', 1, { title: 'T' })).toBe('One response to “T”');
      expect(t.plural('responses', 2, { title: 'T' })).toBe('2 responses to “T”');
      expect(t.plural('responses', 101, { title: 'T' })).toBe('101 responses to “T”');
    });

    it('fills placeholders and leaves unknown ones visible', () => {
      expect(t.t('leaveReplyTo', { name: 'Ann' })).toBe('Leave a Reply to Ann');
      expect(t.t('errTooLong', { field: 'Name', limit: 100 })).toBe('Name must be at most 100 characters.');
      expect(t.t('leaveReplyTo')).toBe('Leave a Reply to {name}');
    });

    it('falls back to English for an unsupported locale', () => {
      const fallback = createTranslator('xx');
      expect(fallback.locale).toBe('en');
      expect(fallback.t('post')).toBe('Post Comment');
    });
  });

  describe('Arabic', () => {
    const t = createTranslator('ar-EG');

    it('is Arabic, right to left', () => {
      expect(t.locale).toBe('ar');
      expect(t.dir).toBe('rtl');
      expect(t.t('post')).toBe(ar.post);
    });

    it('picks a different plural form for 1, 2, 3, 11 and 100', () => {
      const forms = [1, 2, 3, 11, 100].map((n) => t.plural('responses', n, { title: 'T' }));
      expect(forms).toEqual(['رد واحد على “T”', 'ردّان على “T”', '3 ردود على “T”', '11 ردًا على “T”', '100 رد على “T”']);
      expect(new Set(forms.map((form) => form.replace(/\d+/, '#'))).size).toBe(5);
    });

    it('has a zero form', () => {
      expect(t.plural('responses', 0, { title: 'T' })).toBe('لا ردود على “T”');
    });
  });

  describe('relativeTime (numeric: auto)', () => {
    const t = createTranslator('en');

    it.each([
      [0, 'now'],
      [30, 'now'],
      [5 * 60, '5 minutes ago'],
      [3 * 3600, '3 hours ago'],
      [86_400, 'yesterday'],
      [3 * 86_400, '3 days ago'],
      [-2 * 3600, 'in 2 hours'],
      [-86_400, 'tomorrow'],
    ])('%d seconds ago → %j', (seconds, expected) => {
      expect(t.relativeTime(ago(seconds), NOW)).toBe(expected);
    });

    it('speaks the translator’s language', () => {
      expect(createTranslator('ar').relativeTime(ago(5 * 60), NOW)).toBe(new Intl.RelativeTimeFormat('ar', { numeric: 'auto' }).format(-5, 'minute'));
    });
  });

  it('formats an absolute time that names the year', () => {
    const text = createTranslator('en').absoluteTime('2024-06-15T12:00:00.000Z');
    expect(text.trim()).not.toBe('');
    expect(text).toContain('2024');
  });
});

describe('locale messages', () => {
  const isPlural = (value: unknown): value is PluralMessage =>
    typeof value === 'object' && value !== null && typeof (value as PluralMessage).other === 'string';
  const placeholders = (text: string) => new Set([...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]));
  const keys = Object.keys(en) as (keyof typeof en)[];

  it.each(keys)('ar has %s, of the same kind as en', (key) => {
    const english: unknown = en[key];
    const arabic: unknown = ar[key];
    expect(Object.hasOwn(ar, key)).toBe(true);
    if (typeof english === 'string') {
      expect(typeof arabic).toBe('string');
      expect((arabic as string).trim()).not.toBe('');
    } else {
      expect(isPlural(english)).toBe(true);
      expect(isPlural(arabic)).toBe(true);
    }
  });

  it('ar has no key that en lacks', () => {
    expect(Object.keys(ar).sort()).toEqual([...keys].sort());
  });

  it.each(keys)('ar %s uses only placeholders that en fills', (key) => {
    const english: unknown = en[key];
    const arabic: unknown = ar[key];
    const texts = (value: unknown) => (typeof value === 'string' ? [value] : Object.values(value as PluralMessage));
    const allowed = new Set(texts(english).flatMap((text) => [...placeholders(text)]));
    if (isPlural(english)) allowed.add('count');
    for (const text of texts(arabic)) for (const name of placeholders(text)) expect(allowed).toContain(name);
  });

  it('plural objects use only Intl.PluralRules categories', () => {
    const categories = ['zero', 'one', 'two', 'few', 'many', 'other'];
    for (const messages of [en, ar]) {
      for (const value of Object.values(messages)) {
        if (typeof value !== 'string') for (const category of Object.keys(value)) expect(categories).toContain(category);
      }
    }
  });
});
