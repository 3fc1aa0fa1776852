/* The safe Markdown subset the bot's answers use, shared by the widget and the agent console:
   paragraphs, line breaks, numbered and bulleted lists, | tables |, **bold** and
   [label](https://…) links. Everything is built from DOM text nodes, never HTML, so anything
   else stays literal text; links open only to http(s) addresses. */
import { h } from './dom.js';

/** The absolute form of an http(s) address (relative ones resolved against `base`, the page
    by default), or null for any other scheme (javascript:, data:, …) or a malformed one. */
export const safeUrl = (u, base = globalThis.location?.href) => {
  try {
    const x = new URL(String(u), base);
    return /^https?:$/.test(x.protocol) ? x.href : null;
  } catch (_) {
    return null;
  }
};

/** Plain runs of text, appended as they are; the console passes its own to mark placeholders. */
const plain = (el, s) => el.append(s);

// **bold** (nesting) and [label](https://…) links inside a line; the runs between go to `text`
const inline = (el, s, text) => {
  const re = /\*\*(\S(?:[\s\S]*?\S)?)\*\*|\[([^\]\n]+)\]\((https?:\/\/[^\s()]+)\)/g;
  let i = 0;
  let m;
  while ((m = re.exec(s))) {
    if (m.index > i) text(el, s.slice(i, m.index));
    if (m[1] != null) {
      const b = h('strong');
      inline(b, m[1], text);
      el.append(b);
    } else {
      const url = safeUrl(m[3]);
      el.append(url ? h('a', { href: url, target: '_blank', rel: 'noopener', text: m[2] }) : m[0]);
    }
    i = re.lastIndex;
  }
  if (i < s.length) text(el, s.slice(i));
};

// | a | b | tables (header, separator, rows): each cell through inline(), so a cell is
// text and links like any paragraph; a wide table scrolls inside its own box
const ROW = /^\|.*\|$/;
const SEP = /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/;
const cells = (row) => row.replace(/^\||\|$/g, '').split('|').map((c) => c.trim());
const table = (rows, text) => {
  const wrap = h('div', { class: 'table' });
  const t = h('table');
  const head = h('tr');
  for (const c of cells(rows[0])) inline(head.appendChild(h('th', { scope: 'col' })), c, text);
  t.append(h('thead'));
  t.tHead.append(head);
  const body = h('tbody');
  for (const row of rows.slice(1)) {
    const tr = h('tr');
    for (const c of cells(row)) inline(tr.appendChild(h('td')), c, text);
    body.append(tr);
  }
  t.append(body);
  wrap.append(t);
  return wrap;
};

const OL = /^\s*(\d{1,4})[.)]\s+(.*)$/;
const UL = /^\s*[-*+•]\s+(.*)$/;

/** A DocumentFragment rendering `src`; `text(el, s)` appends each plain run of text. */
export const markdown = (src, text = plain) => {
  const frag = document.createDocumentFragment();
  for (const block of String(src ?? '').replace(/\r\n?/g, '\n').split(/\n[ \t]*\n/)) {
    let para = null;
    let list = null;
    const lines = block.split('\n');
    for (let n = 0; n < lines.length; n++) {
      const raw = lines[n];
      const line = raw.trim();
      if (!line) continue;
      if (ROW.test(line) && SEP.test(lines[n + 1] || '')) {
        const rows = [line];
        for (n += 2; n < lines.length && ROW.test(lines[n].trim()); n++) rows.push(lines[n].trim());
        n--;
        frag.append(table(rows, text));
        para = list = null;
        continue;
      }
      const o = OL.exec(raw);
      const u = !o && UL.exec(raw);
      if (o || u) {
        const tag = o ? 'OL' : 'UL';
        if (!list || list.tagName !== tag) {
          list = h(tag.toLowerCase());
          if (o && o[1] !== '1') list.start = Number(o[1]);
          frag.append(list);
        }
        para = null;
        const li = h('li');
        inline(li, (o ? o[2] : u[1]).trim(), text);
        list.append(li);
      } else if (list && /^\s{2,}/.test(raw)) {
        list.lastChild.append(h('br'));
        inline(list.lastChild, line, text);
      } else {
        list = null;
        if (para) para.append(h('br'));
        else frag.append((para = h('p')));
        inline(para, line, text);
      }
    }
  }
  return frag;
};
