import { mount, type ColloquyHandle } from '../widget/mount';
import { attributeNames, optionsFromAttributes } from './attributes';

export const elementName = 'colloquy-thread';

/**
 * Registers `<colloquy-thread data-thread="…">` for any framework: it takes the script tag's
 * attributes and follows them when they change. The class is made here, not at import time, so
 * importing the package on a server (no HTMLElement) does not fail. The script tag passes its own
 * `mount`, which loads the adapter pack when an element names 'memory' or 'local'.
 */
export function defineCustomElement(mountElement: typeof mount = mount): void {
  if (typeof customElements === 'undefined' || customElements.get(elementName)) return;
  customElements.define(
    elementName,
    class extends HTMLElement {
      static observedAttributes = attributeNames.map((name) => `data-${name}`);
      private handle?: ColloquyHandle;
      connectedCallback() {
        this.handle ??= mountElement(this, optionsFromAttributes(this.dataset));
      }
      attributeChangedCallback() {
        this.handle?.update(optionsFromAttributes(this.dataset));
      }
      disconnectedCallback() {
        this.handle?.unmount();
        this.handle = undefined;
      }
    },
  );
}
