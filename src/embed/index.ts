import { registerLocale } from '../core/i18n';
import type { mount } from '../widget/mount';
import { createPackAwareMount } from './adapter-loader';
import { optionsFromAttributes } from './attributes';
import { defineCustomElement } from './custom-element';

declare global {
  interface Window {
    Colloquy?: { mount: typeof mount; registerLocale: typeof registerLocale };
  }
}

// Read now: document.currentScript is only set while this script first runs.
const script = document.currentScript as HTMLScriptElement | null;
const mountHere = createPackAwareMount(script?.src);

/** The script tag mounts into `data-target`, or into a new element right before itself. */
function mountFromScript(tag: HTMLScriptElement) {
  let target: Element | string | undefined = tag.dataset.target;
  if (!target) {
    target = document.createElement('div');
    tag.before(target);
  }
  mountHere(target, optionsFromAttributes(tag.dataset));
}

function start() {
  if (script?.dataset.thread) mountFromScript(script);
  document.querySelectorAll<HTMLElement>('[data-colloquy]').forEach((element) => mountHere(element, optionsFromAttributes(element.dataset)));
}

window.Colloquy = { mount: mountHere, registerLocale };
for (const [tag, messages] of Object.entries(window.ColloquyLocales ?? {})) registerLocale(tag, messages);
defineCustomElement(mountHere);
// An async script may run before the elements it mounts into are parsed.
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
