/**
 * Cleans real HTML (WordPress or Disqus imports, mail bodies) into HTML that is safe to convert
 * to comment markdown or to send out. The server plugs DOMPurify in here, with an allowlist; this
 * module holds only the type so that no sanitizer can end up in the widget bundle. The widget
 * never needs one: it renders markdown as elements and never renders an HTML string.
 */
export type HtmlSanitizer = (html: string) => string;
