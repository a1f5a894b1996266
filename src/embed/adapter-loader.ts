import { loadScript } from '../adapters/load-script';
import { adapterFactory, registerAdapter } from '../adapters/registry';
import { requestedAdapter } from '../core/config';
import { mount, type ColloquyHandle, type MountOptions } from '../widget/mount';

/** The adapters that live in the pack rather than in colloquy.js. */
const packed = ['memory', 'local'];
let pack: Promise<void> | undefined;

/** Registers what adapter packs on the page have left in window.ColloquyAdapters. */
const registerPacks = () => Object.entries(window.ColloquyAdapters ?? {}).forEach(([name, factory]) => registerAdapter(name, factory));

/** Loads dist/colloquy-local.js from beside colloquy.js, once; if it fails, mount says what is missing. */
function loadPack(scriptUrl: string) {
  return (pack ??= loadScript(new URL('colloquy-local.js', scriptUrl).href).then(registerPacks));
}

/**
 * `mount` for the script tag: a page that names 'memory' or 'local' gets the adapter pack loaded
 * first (same origin as colloquy.js), so the one-tag snippet keeps working without the pack's
 * bytes in every page that talks to a server.
 */
export function createPackAwareMount(scriptUrl: string | undefined): typeof mount {
  registerPacks();
  return (target: Element | string, options: MountOptions): ColloquyHandle => {
    const name = requestedAdapter(options);
    if (!scriptUrl || typeof name !== 'string' || !packed.includes(name) || adapterFactory(name)) return mount(target, options);
    let handle: ColloquyHandle | undefined;
    let latest = options;
    let removed = false;
    void loadPack(scriptUrl).then(() => {
      if (!removed) handle = mount(target, latest);
    });
    return {
      update: (changes) => (handle ? handle.update(changes) : void (latest = { ...latest, ...changes })),
      unmount() {
        removed = true;
        handle?.unmount();
      },
    };
  };
}
