import { h, render } from 'preact';
import { createRestSignIn, type RestSignIn, type SignInOffer } from '../adapters/rest-sign-in';
import type { SignedInReader, SignInHost } from '../adapters/types';
import { SignInRow } from '../widget/sign-in-row';
import css from '../widget/sign-in.css?inline';

// `dist/colloquy-sign-in.js`: the sign-in row and its calls, which the REST adapter loads from its
// server the first time a comment form shows. colloquy.js carries none of it.

/** One client per server, and what this page last knew of it, shared by every form (a reply form moves and is made anew). */
const sheet = new CSSStyleSheet();
sheet.replaceSync(css);

const servers = new Map<string, { client: RestSignIn; known: { offer?: SignInOffer; reader?: SignedInReader | null } }>();

window.ColloquySignIn = (element: HTMLElement, host: SignInHost & { api: string }) => {
  let server = servers.get(host.api);
  if (!server) servers.set(host.api, (server = { client: createRestSignIn(host.api), known: {} }));
  // The row's rules join the shadow root's as a constructed sheet: no <style> element among the comments.
  const root = element.getRootNode() as ShadowRoot | Document;
  if (!root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  const container = document.createElement('div');
  element.append(container);
  render(h(SignInRow, { client: server.client, host, known: server.known }), container);
  return () => {
    render(null, container);
    container.remove();
  };
};
