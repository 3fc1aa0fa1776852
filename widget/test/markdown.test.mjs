/* The Markdown subset the bot's answers are drawn with, in the widget and the console: what
   renders as structure, and that nothing written by a model or a customer becomes markup. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JSDOM } from 'jsdom';
import { markdown, safeUrl } from '../src/shared/markdown.js';

const { window } = new JSDOM('<!doctype html><body></body>', { url: 'https://shop.example/help/' });
globalThis.document = window.document;

/** The HTML a message renders to, as it lands in a bubble. */
const html = (src, text) => {
  const box = document.createElement('div');
  box.append(markdown(src, text));
  return box.innerHTML;
};

test('paragraphs split on blank lines; single line breaks stay inside one', () => {
  assert.equal(html('one\ntwo\n\nthree'), '<p>one<br>two</p><p>three</p>');
  assert.equal(html('a\r\n\r\nb'), '<p>a</p><p>b</p>');
  assert.equal(html(''), '');
  assert.equal(html(null), '');
});

test('bold nests and links open in a new tab, text as the label', () => {
  assert.equal(html('**Reset** the hub'), '<p><strong>Reset</strong> the hub</p>');
  assert.equal(html('**see [the guide](https://x.example/a)**'),
    '<p><strong>see <a href="https://x.example/a" target="_blank" rel="noopener">the guide</a></strong></p>');
  assert.equal(html('** not bold **'), '<p>** not bold **</p>');
});

test('numbered and bulleted lists, a numbered one keeping its first number', () => {
  assert.equal(html('1. plug in\n2. wait'), '<ol><li>plug in</li><li>wait</li></ol>');
  assert.equal(html('3) third\n4) fourth'), '<ol start="3"><li>third</li><li>fourth</li></ol>');
  assert.equal(html('- a\n* b\n• c'), '<ul><li>a</li><li>b</li><li>c</li></ul>');
  assert.equal(html('Steps:\n1. one\n   more of one\nafter'),
    '<p>Steps:</p><ol><li>one<br>more of one</li></ol><p>after</p>');
  assert.equal(html('1. one\n- dot'), '<ol><li>one</li></ol><ul><li>dot</li></ul>');
});

test('a table needs its separator row; its cells render bold and links', () => {
  assert.equal(
    html('| Plan | Price |\n|---|:--:|\n| **Pro** | [see](https://x.example/p) |\n| Free | 0 |\nafter'),
    '<div class="table"><table><thead><tr><th scope="col">Plan</th><th scope="col">Price</th></tr></thead>' +
      '<tbody><tr><td><strong>Pro</strong></td><td><a href="https://x.example/p" target="_blank" rel="noopener">see</a></td></tr>' +
      '<tr><td>Free</td><td>0</td></tr></tbody></table></div><p>after</p>'
  );
  assert.equal(html('| not | a table |\nno separator'), '<p>| not | a table |<br>no separator</p>');
});

test('markup in a message stays text', () => {
  const out = html('<img src=x onerror=alert(1)> <script>alert(2)</script> **<b>x</b>**');
  assert.equal(out, '<p>&lt;img src=x onerror=alert(1)&gt; &lt;script&gt;alert(2)&lt;/script&gt; <strong>&lt;b&gt;x&lt;/b&gt;</strong></p>');
});

test('only http(s) links become links; anything else stays literal', () => {
  assert.equal(html('[click](javascript:alert(1))'), '<p>[click](javascript:alert(1))</p>');
  assert.equal(html('[x](data:text/html,hi)'), '<p>[x](data:text/html,hi)</p>');
  assert.equal(html('[a "quote"](https://x.example/?q="><b>)'),
    '<p><a href="https://x.example/?q=%22%3E%3Cb%3E" target="_blank" rel="noopener">a "quote"</a></p>');
});

test('plain runs go through the caller\'s text hook, inside bold, lists and cells too', () => {
  const upper = (el, s) => el.append(s.toUpperCase());
  assert.equal(html('a **b** [c](https://x.example/)\n- d\n\n| e |\n|--|\n| f |', upper),
    '<p>A <strong>B</strong> <a href="https://x.example/" target="_blank" rel="noopener">c</a></p>' +
      '<ul><li>D</li></ul><div class="table"><table><thead><tr><th scope="col">E</th></tr></thead>' +
      '<tbody><tr><td>F</td></tr></tbody></table></div>');
});

test('safeUrl keeps http(s) addresses, resolved against the page, and refuses the rest', () => {
  assert.equal(safeUrl('https://x.example/a b'), 'https://x.example/a%20b');
  assert.equal(safeUrl('/privacy', 'https://shop.example/help/'), 'https://shop.example/privacy');
  assert.equal(safeUrl('HTTP://X.example'), 'http://x.example/');
  for (const bad of ['javascript:alert(1)', ' javascript:alert(1)', 'JaVaScRiPt:x', 'data:text/html,x', 'vbscript:x', 'file:///etc/passwd', 'http://[::1']) {
    assert.equal(safeUrl(bad, 'https://shop.example/'), null, String(bad));
  }
  // with no page to resolve against, a relative address has no meaning
  assert.equal(safeUrl('/privacy', undefined), null);
});
