import { pageBaseCss } from '../shared/page-style';

/**
 * The dashboard's host page at /admin: an empty shell that loads the built dashboard script
 * (dist/colloquy-admin.js, `vite build --mode admin`). Its CSP allows only our own script and the
 * inline styles Preact sets, and no framing, so the dashboard cannot be clickjacked. Its referrer
 * policy keeps the dashboard's address from the sites its comments link to.
 */
export const adminPage = {
  html: `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<meta name="color-scheme" content="light dark">
<title>Colloquy moderation</title>
<style>${pageBaseCss}</style>
</head>
<body>
<main id="colloquy-admin"><noscript>The moderation dashboard needs JavaScript.</noscript></main>
<script src="/colloquy-admin.js"></script>
</body>
</html>
`,
  referrerPolicy: 'same-origin',
  csp: "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
};
