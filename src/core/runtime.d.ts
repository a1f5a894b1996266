// What core uses of its runtime beyond ECMAScript: only the WHATWG URL parser, which browsers and
// Node both have. Declared here so that core type-checks without the DOM's or Node's types
// (src/core/tsconfig.json); the other configs have the full declarations and leave this file out.
declare class URL {
  constructor(url: string, base?: string);
  static canParse(url: string, base?: string): boolean;
  readonly protocol: string;
}
