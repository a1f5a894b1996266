import { createHash } from 'node:crypto';

/**
 * The server's own pages (the dashboard's host page, the mail-link pages) in the dashboard's colours:
 * the widget's defaults (src/widget/styles.css), light or dark as the reader's system prefers. The
 * page itself is themed too, so no white frame surrounds a dark dashboard.
 */
export const pageColors = {
  background: 'light-dark(#fff, #16181d)',
  surface: 'light-dark(#fff, #22252c)',
  text: 'light-dark(#1e1e1e, #e8e8e8)',
  muted: 'light-dark(#595959, #a8adb7)',
  border: 'light-dark(#8c8f94, #7d828c)',
  accent: 'light-dark(#0a58ca, #8ab4f8)',
  accentText: 'light-dark(#fff, #111)',
} as const;

/** The page background and margin every server page shares: the dashboard fills the window with its own colour. */
export const pageBaseCss = `html{color-scheme:light dark;background:${pageColors.background};color:${pageColors.text}}body{margin:0}`;

/** A CSP source allowing exactly this inline stylesheet, so the page needs no 'unsafe-inline' for it. */
export const styleHash = (css: string) => `'sha256-${createHash('sha256').update(css).digest('base64')}'`;
