import { ar } from '../core/i18n/ar';
import type { Messages } from '../core/i18n';

declare global {
  interface Window {
    /** Locale packs loaded before the widget script leave their messages here. */
    ColloquyLocales?: Record<string, Messages>;
  }
}

// The Arabic pack, `dist/colloquy-ar.js`: load it before colloquy.js, and data-locale="ar" works.
(window.ColloquyLocales ??= {}).ar = ar;
window.Colloquy?.registerLocale('ar', ar);
