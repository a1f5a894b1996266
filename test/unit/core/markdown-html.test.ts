import { describe, expect, test } from 'vitest';
import { escapeHtml, markdownToHtml } from '../../../src/core/markdown-html';

const rel = 'rel="nofollow ugc noopener"';

describe('markdownToHtml', () => {
  test('renders every node type of the tree with its fixed tag', () => {
    expect(markdownToHtml('*a* **b** `c <d>`\nnext')).toBe('<p><em>a</em> <strong>b</strong> <code>c &lt;d&gt;</code><br>next</p>');
    expect(markdownToHtml('> quoted\n\n- one\n- two\n\n3. three')).toBe(
      '<blockquote><p>quoted</p></blockquote><ul><li>one</li><li>two</li></ul><ol start="3"><li>three</li></ol>',
    );
    expect(markdownToHtml('```\n<b>&</b>\n```')).toBe('<pre><code>&lt;b&gt;&amp;&lt;/b&gt;</code></pre>');
  });

  test('links keep only safe URLs, escaped, with the widget rel', () => {
    expect(markdownToHtml('[x](https://a.example/?q="1"&r=<2>)')).toBe(`<p><a href="https://a.example/?q=&quot;1&quot;&amp;r=&lt;2&gt;" ${rel}>x</a></p>`);
    expect(markdownToHtml('see https://a.example/p.')).toBe(`<p>see <a href="https://a.example/p" ${rel}>https://a.example/p</a>.</p>`);
    expect(markdownToHtml('[x](javascript:alert(1)) [y](java&#x09;script:alert(1))')).toBe('<p>x y</p>');
  });

  test('raw HTML and attribute breakouts stay text', () => {
    const hostile = `<script>alert(1)</script> "><img src=x onerror=alert(1)> ' &amp;`;
    expect(markdownToHtml(hostile)).toBe('<p>&lt;script&gt;alert(1)&lt;/script&gt; &quot;&gt;&lt;img src=x onerror=alert(1)&gt; &#39; &amp;amp;</p>');
  });

  test('escapeHtml escapes the five characters that matter in text and quoted attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});
