import { h, render } from 'preact';
import { useErrorBoundary } from 'preact/hooks';
import { resolveConfig, type ColloquyOptions, type ResolvedConfig } from '../core/config';
import { createTranslator, type Translator } from '../core/i18n';
import { ColloquyConfigError } from '../core/errors';
import { adapterFactory } from '../adapters/registry';
import { createRestAdapter } from '../adapters/rest';
import type { StorageAdapter } from '../adapters/types';
import { createWebStorage } from '../adapters/web-storage';
import { CommentSection } from './comment-section';
import css from './styles.css?inline';

export type MountOptions = ColloquyOptions<StorageAdapter>;

/** What `mount` returns: follow a page change in an SPA, or take the widget away. */
export interface ColloquyHandle {
  /** Changes the options given: the others keep their value; one given as `undefined` goes back to its default. */
  update(options: Partial<MountOptions>): void;
  unmount(): void;
}

const store = createWebStorage();

function pageDefaults() {
  return { title: document.title, url: location.href.split('#')[0] ?? '', locale: document.documentElement.lang };
}

function createAdapter(config: ResolvedConfig<StorageAdapter>): StorageAdapter {
  if (typeof config.adapter !== 'string') return config.adapter;
  if (config.adapter === 'rest') return createRestAdapter({ baseUrl: config.api });
  const factory = adapterFactory(config.adapter);
  if (!factory) throw new ColloquyConfigError('adapter', `"${config.adapter}" is not loaded: add dist/colloquy-local.js to the page`);
  return factory({ seed: config.seed });
}

/** Catches a render error so that it stays inside the widget instead of breaking the host page. */
function Guarded(props: { config: ResolvedConfig<StorageAdapter>; adapter: StorageAdapter; translator: Translator }) {
  const [error] = useErrorBoundary((e: unknown) => console.error('[colloquy]', e));
  return error ? <Notice text={props.translator.t('unavailable')} /> : <CommentSection {...props} store={store} />;
}

const Notice = ({ text }: { text: string }) => (
  <p class="colloquy" role="alert">
    {text}
  </p>
);

/**
 * Renders a comment section into `target` (an element or a CSS selector) inside a shadow root, so
 * the host page's CSS cannot reach it. Bad options never throw into the host page: they log one
 * `[colloquy]` error naming the option and show an inline notice.
 */
export function mount(target: Element | string, options: MountOptions): ColloquyHandle {
  const element = typeof target === 'string' ? document.querySelector(target) : target;
  if (!element) {
    console.error(`[colloquy] option "target" matches no element: ${String(target)}`);
    return { update() {}, unmount() {} };
  }
  const host = document.createElement('colloquy-root');
  const shadow = host.attachShadow({ mode: 'open' });
  const style = document.createElement('style');
  const container = document.createElement('div');
  style.textContent = css;
  shadow.append(style, container);
  element.append(host);

  let adapter: StorageAdapter | undefined;
  let adapterOptions: unknown[] = [];
  const draw = (options: MountOptions) => {
    let config: ResolvedConfig<StorageAdapter>;
    try {
      config = resolveConfig(options, pageDefaults());
      // Keep one adapter while its options stay the same, so an update does not drop a memory thread.
      if (!adapter || adapterOptions[0] !== config.adapter || adapterOptions[1] !== config.api) adapter = createAdapter(config);
      adapterOptions = [config.adapter, config.api];
    } catch (error) {
      console.error(error instanceof Error ? error.message : error);
      return render(<Notice text={createTranslator(pageDefaults().locale).t('unavailable')} />, container);
    }
    // Keyed by thread, so a render error in one thread does not stick after an update to another.
    render(<Guarded key={config.thread} config={config} adapter={adapter} translator={createTranslator(config.locale)} />, container);
  };
  draw(options);
  return {
    // Merged, so that an SPA's `update({ thread, title })` keeps the adapter and the server.
    update: (changes) => draw((options = { ...options, ...changes })),
    unmount() {
      render(null, container);
      host.remove();
    },
  };
}
