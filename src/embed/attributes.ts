import type { MountOptions } from '../widget/mount';

/** The data-attributes the script tag, `[data-colloquy]` elements and `<colloquy-thread>` read. */
export const attributeNames = ['thread', 'title', 'url', 'adapter', 'api', 'seed', 'locale', 'theme', 'sort', 'max-depth', 'page-size', 'sso-token'] as const;

const toNumber = (value: string | undefined) => (value ? Number(value) : undefined);

/** A `data-seed="#id"` points at a `<script type="application/json">` holding the comments; null if unreadable. */
function readSeed(selector: string | undefined): unknown {
  if (!selector) return undefined;
  try {
    return JSON.parse(document.querySelector(selector)?.textContent ?? '');
  } catch {
    return null;
  }
}

/** The one place data-attributes become options; resolveConfig then checks them like any others. */
export function optionsFromAttributes(data: DOMStringMap): MountOptions {
  const options = {
    thread: data.thread ?? '',
    title: data.title,
    url: data.url,
    adapter: data.adapter,
    api: data.api,
    seed: readSeed(data.seed),
    locale: data.locale,
    theme: data.theme,
    sort: data.sort,
    maxDepth: toNumber(data.maxDepth),
    pageSize: toNumber(data.pageSize),
    ssoToken: data.ssoToken,
  };
  // Values are checked by resolveConfig, which names the attribute's option when one is wrong.
  return options as MountOptions;
}
