import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { escapeHtml } from 'colloquy/core';
import { pageBaseCss, pageColors, styleHash } from '../shared/page-style';

/** What the popup hands its opener: a session and its user, or why there is none. */
export type SignInMessage = { type: 'colloquy:sign-in'; session: string; user: object } | { type: 'colloquy:sign-in'; error: string };

const css =
  pageBaseCss +
  `body{font:16px/1.6 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;padding:1em}main{max-width:30em;margin:2em auto}a{color:${pageColors.accent}}` +
  `button{font:inherit;padding:.4em 1em;border-radius:4px;border:1px solid ${pageColors.accent};background:${pageColors.accent};color:${pageColors.accentText};cursor:pointer}`;

/**
 * Posts the message to the opener, to the page's exact origin only (postMessage drops it if the
 * opener is now elsewhere), then closes the popup. The data is read from a JSON block, so this
 * script never changes and the CSP allows it by its hash.
 */
const script =
  "const d=JSON.parse(document.getElementById('colloquy-result').textContent);" +
  'if(window.opener&&d.origin){window.opener.postMessage(d.message,d.origin);if(!d.message.error)window.close()}';
const scriptHash = `'sha256-${createHash('sha256').update(script).digest('base64')}'`;

/** JSON that cannot end its script element: `<` is escaped. */
const jsonBlock = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

/**
 * The page that ends a sign-in in the popup: it hands the opener the message (at `origin`, which the
 * caller has checked against COLLOQUY_ORIGINS; nothing when there is none to trust) and says in words
 * what happened. With `button`, a form that posts back to the page's address (a mailed link's page).
 */
export function popupPage(
  reply: FastifyReply,
  status: number,
  text: string,
  handOff?: { origin: string | undefined; message: SignInMessage },
  button?: string,
) {
  const data = handOff?.origin === undefined ? {} : handOff;
  // A form without `action` posts to the page's own address: a mailed link acts only when the reader presses the button.
  const form = button === undefined ? '' : `<form method="post"><button type="submit">${escapeHtml(button)}</button></form>`;
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('referrer-policy', 'no-referrer')
    .header(
      'content-security-policy',
      `default-src 'none'; script-src ${scriptHash}; style-src ${styleHash(css)}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
    )
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><meta name="robots" content="noindex">` +
        `<meta name="color-scheme" content="light dark"><title>Colloquy sign-in</title><style>${css}</style></head>` +
        `<body><main><p role="status">${escapeHtml(text)}</p>${form}</main>` +
        `<script type="application/json" id="colloquy-result">${jsonBlock(data)}</script><script>${script}</script></body></html>`,
    );
}
