/*! Warmline chat widget (v1). One tag, no dependencies:
 *  <script src="/static/widget.js" data-title="…" data-color="#2457d6" data-position="right"
 *          data-greeting="…" data-server="https://support.example" defer></script>
 *  Optional: data-segment="vip" data-profile-signature="<HMAC-SHA256(secret, 'segment=vip')>"
 *  (the segment counts only when the host site signed it); data-language="es" (en, es, de;
 *  default: the browser's language, else English); data-privacy-url="https://…/privacy".
 *  Everything renders inside a Shadow DOM; the only global is window.Warmline. */
import { h } from './shared/dom.js';
import { uuid } from './shared/ids.js';
import { backoff } from './shared/backoff.js';
import { openSocket } from './shared/socket.js';
import { markdown, safeUrl } from './shared/markdown.js';
import { STRINGS } from './widget/strings.js';

// a function rather than top-level code, so that a second copy of the script can stop early
function main() {
  const win = window;
  const doc = document;
  if (win.Warmline && win.Warmline.__warmline) return; // loaded twice: keep the first

  const script =
    doc.currentScript ||
    Array.from(doc.querySelectorAll('script[src]')).reverse().find((s) => /widget\.js([?#]|$)/.test(s.src));
  const ds = (script && script.dataset) || {};
  const KEY = 'warmline:conversation';
  const HKEY = 'warmline:history';
  const OKEY = 'warmline:outbox';
  const MAX_CHARS = 4000;
  const MAX_BYTES = 16000;
  const KEEP = 200; // cached events shown after a page reload
  const greeting = ds.greeting || '';
  const side = ds.position === 'left' ? 'left' : 'right';
  // a language tag in the shape the server accepts ("en", "pt-BR"), else its primary subtag
  const langTag = (v) => {
    const s = String(v || '');
    return /^[a-z]{2}([-_][a-z0-9]{2,8})?$/i.test(s) ? s : (s.match(/^[a-z]{2}(?=[-_])/i) || [])[0];
  };
  // the profile's language: the host page's choice, else the browser's; it routes to agents too
  const language = langTag(ds.language) || langTag(navigator.language);

  const primary = String(language || '').slice(0, 2).toLowerCase();
  const lang = STRINGS[primary] ? primary : 'en';
  const t = (key, vars) =>
    String(STRINGS[lang][key] ?? STRINGS.en[key]).replace(/\{(\w+)\}/g, (m, k) => (vars && k in vars ? String(vars[k]) : m));
  const title = (ds.title || t('title')).slice(0, 80);

  const wsUrl = (() => {
    let base;
    try {
      base = new URL(ds.server || (script && script.src) || location.href, location.href);
    } catch (_) {
      base = new URL(location.href);
    }
    return (/^(https|wss):$/.test(base.protocol) ? 'wss://' : 'ws://') + base.host + '/v1/chat';
  })();

  // ---- storage (tolerates disabled or full localStorage) -------------------
  const mem = Object.create(null);
  const store = {
    get(k) {
      let v;
      try {
        v = localStorage.getItem(k);
      } catch (_) {
        v = mem[k];
      }
      if (v == null && k in mem) v = mem[k];
      try {
        return v ? JSON.parse(v) : null;
      } catch (_) {
        return null;
      }
    },
    set(k, val) {
      const s = JSON.stringify(val);
      try {
        localStorage.setItem(k, s);
        delete mem[k];
      } catch (_) {
        mem[k] = s;
      }
    },
    del(k) {
      try {
        localStorage.removeItem(k);
      } catch (_) {
        /* ignore */
      }
      delete mem[k];
    },
  };

  // ---- state ---------------------------------------------------------------
  const saved = store.get(KEY) || {};
  let conversationId = typeof saved.conversation_id === 'string' ? saved.conversation_id : null;
  let token = typeof saved.token === 'string' ? saved.token : null;
  let lastSeq = Math.max(0, Number(saved.last_seq ?? saved.lastSeq) || 0);
  if (!conversationId || !token) (conversationId = null), (token = null), (lastSeq = 0);
  let mode = 'bot'; // current mode (welcome + mode events)
  let shownMode = 'bot'; // mode as of the last rendered mode event
  let agentName = ''; // the person who joined, for the header
  let queuePlace = 0; // place in line while waiting, for the header
  let history = []; // slim copies of rendered logged events, for reloads
  const seen = new Set(); // seqs already rendered
  let outbox = (store.get(OKEY) || []).filter(
    (m) => m && typeof m.id === 'string' && (m.type === 'message' || m.type === 'request_human')
  );
  let ws = null;
  let welcomed = false;
  let ready = false; // welcomed and the resumed history has arrived: safe to (re)send
  let waitSeq = 0;
  let inflight = []; // client_msg_ids sent on this socket, awaiting ack
  const busyTries = new Map(); // client_msg_id -> times in a row the server was too busy to read it
  let attempt = 0;
  let retryTimer = 0;
  let pingTimer = 0;
  let deadTimer = 0;
  let flushTimer = 0;
  let saveTimer = 0;
  let typingTimer = 0;
  let started = false;
  let isOpen = false;
  let unread = 0;
  let plainHello = false; // the server refused our profile: say hello without it
  const closedBy = { contact: 0, csat: 0 }; // seq of the event that answered each kind of form
  const pendingForms = new Map(); // client_msg_id -> settle(errorText) of a submitted form

  const SVG = 'http://www.w3.org/2000/svg';
  const icon = (d, size = 24) => {
    const s = doc.createElementNS(SVG, 'svg');
    s.setAttribute('viewBox', '0 0 24 24');
    s.setAttribute('width', size);
    s.setAttribute('height', size);
    s.setAttribute('aria-hidden', 'true');
    s.setAttribute('focusable', 'false');
    const p = doc.createElementNS(SVG, 'path');
    p.setAttribute('d', d);
    p.setAttribute('fill', 'currentColor');
    s.append(p);
    return s;
  };
  const CHAT_ICON =
    'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8.5L4 21.5V18a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6.25a1.25 1.25 0 1 0 0 2.5 1.25 1.25 0 0 0 0-2.5zm5 0a1.25 1.25 0 1 0 0 2.5 1.25 1.25 0 0 0 0-2.5zm5 0a1.25 1.25 0 1 0 0 2.5 1.25 1.25 0 0 0 0-2.5z';
  const CLOSE_ICON =
    'M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12 19 17.6 17.6 19 12 13.4 6.4 19 5 17.6 10.6 12 5 6.4z';
  const PERSON_ICON =
    'M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zm0 2c-3.3 0-8 1.7-8 5v1h16v-1c0-3.3-4.7-5-8-5z';
  const SEND_ICON = 'M3 20.5 21 12 3 3.5 3 10l12 2-12 2z';

  // ---- colour: keep text on brand and brand-coloured text at WCAG AA ---------
  const lum = (c) => {
    const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const contrast = (a, b) => {
    const x = lum(a);
    const y = lum(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  };
  const toHex = (c) => '#' + c.map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');
  const darken = (c, bg, target) => {
    let out = c;
    for (let k = 1; contrast(out, bg) < target && k <= 20; k++) out = c.map((v) => v * (1 - k * 0.05));
    return out;
  };
  const palette = (probe) => {
    let rgb = [36, 87, 214];
    if (ds.color && win.CSS && CSS.supports && CSS.supports('color', ds.color)) {
      probe.style.color = ds.color;
      const m = getComputedStyle(probe).color.match(/[\d.]+/g);
      if (m && m.length >= 3) rgb = m.slice(0, 3).map(Number);
    }
    const white = [255, 255, 255];
    const onBrand =
      contrast(rgb, white) >= 4.5 ? '#fff' : contrast(rgb, [17, 17, 17]) >= 4.5 ? '#111' : '#000';
    return { brand: toHex(rgb), onBrand, ink: toHex(darken(rgb, [241, 243, 246], 4.6)) };
  };

  const privacyUrl = ds.privacyUrl ? safeUrl(ds.privacyUrl) : null;

  // ---- styles ---------------------------------------------------------------
  const CSS_TEXT = `
:host{all:initial}
*,*::before,*::after{box-sizing:border-box}
[hidden]{display:none!important}
.root{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1b1f27;-webkit-font-smoothing:antialiased;text-align:start;letter-spacing:normal}
button,textarea,input{font:inherit;color:inherit}
button{cursor:pointer}
:focus{outline:none}
:focus-visible{outline:3px solid var(--ink);outline-offset:2px}
.sr{position:absolute!important;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
.launcher{position:fixed;bottom:20px;${side}:20px;width:58px;height:58px;border-radius:50%;border:0;padding:0;background:var(--brand);color:var(--on-brand);box-shadow:0 6px 22px rgba(15,23,42,.28);display:grid;place-items:center;transition:transform .15s ease}
.launcher:hover{transform:scale(1.06)}
.launcher:focus-visible{outline-offset:3px}
.badge{position:absolute;top:-3px;inset-inline-end:-3px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;background:#c4261d;color:#fff;font-size:12px;font-weight:700;line-height:18px;text-align:center;border:2px solid #fff}
.panel{position:fixed;bottom:20px;${side}:20px;width:384px;height:min(660px,calc(100vh - 40px));display:flex;flex-direction:column;background:#fff;border-radius:16px;overflow:hidden;box-shadow:0 16px 50px rgba(15,23,42,.28),0 0 0 1px rgba(15,23,42,.08);animation:wl-in .2s ease-out}
@keyframes wl-in{from{opacity:0;transform:translateY(14px) scale(.98)}}
.head{background:var(--brand);color:var(--on-brand);padding-block:14px;padding-inline:16px 10px;display:grid;grid-template-columns:auto 1fr auto;align-items:center;gap:10px 12px}
.avatar{width:38px;height:38px;border-radius:50%;display:grid;place-items:center;background:rgba(255,255,255,.18);color:var(--on-brand)}
.titles{min-width:0}
h2{margin:0;font-size:16px;font-weight:650;line-height:1.3;color:inherit;overflow-wrap:anywhere}
.sub{margin:2px 0 0;font-size:12.5px;line-height:1.35;color:inherit}
.human{grid-column:2/4;justify-self:start;display:inline-flex;align-items:center;gap:6px;min-height:36px;padding:6px 12px;border-radius:18px;border:0;background:#fff;color:var(--ink);font-size:13.5px;font-weight:600;white-space:nowrap}
.human:hover{background:#eef2fb}
.close{align-self:start;width:36px;height:36px;border-radius:50%;border:0;background:transparent;color:var(--on-brand);display:grid;place-items:center;padding:0}
.close:hover{background:rgba(127,127,127,.25)}
.head :focus-visible{outline-color:var(--on-brand)}
.bar{padding:8px 16px;font-size:13px;border-bottom:1px solid #e6e8ec}
.bar.queue{background:#fff6dc;color:#5a4300}
.bar.conn{background:#f1f3f6;color:#3d4451}
.log{position:relative;flex:1;overflow-y:auto;padding:16px 14px 8px;display:flex;flex-direction:column;gap:10px;overscroll-behavior:contain}
.row{display:flex;flex-direction:column;align-items:flex-start;max-width:100%}
.row.customer{align-items:flex-end}
.who{font-size:12px;color:#555e6c;margin:0 0 3px;margin-inline-start:4px;font-weight:600}
.bubble{max-width:86%;padding:9px 13px;border-radius:16px;border-end-start-radius:4px;background:#f1f3f6;color:#1b1f27;overflow-wrap:anywhere;word-break:break-word}
.agent .bubble{background:#e7f4ec;color:#14261b}
.customer .bubble{background:var(--brand);color:var(--on-brand);border-radius:16px;border-end-end-radius:4px;white-space:pre-wrap}
.pending .bubble{opacity:.78}
.pending::after,.failed::after{font-size:11.5px;color:#555e6c;margin:3px 6px 0;content:var(--sending)}
.failed .bubble{opacity:1;background:#fdecea;color:#6b1510}
.failed::after{content:attr(data-error);color:#a3221a}
.pending.busy::after{content:var(--retrying)}
.bubble p{margin:0 0 8px}
.bubble p:last-child,.bubble ol:last-child,.bubble ul:last-child{margin-bottom:0}
.bubble ol,.bubble ul{margin:0 0 8px;padding-inline-start:22px}
.bubble .table{overflow-x:auto;margin:0 0 8px}
.bubble .table:last-child{margin-bottom:0}
.bubble table{border-collapse:collapse;font-size:13px;line-height:1.35}
.bubble th,.bubble td{border:1px solid #c9ced6;padding:4px 6px;text-align:start;vertical-align:top}
.bubble th{background:#e4e7ec;font-weight:600}
.bubble li{margin:2px 0}
.bubble strong{font-weight:650}
.sources{margin:8px 0 0!important;padding-top:7px;border-top:1px solid #d9dde3;font-size:13px;color:#3d4451}
.bubble a{color:var(--ink);text-decoration:underline;text-underline-offset:2px}
.customer .bubble a{color:inherit}
.sources a{font-weight:600}
.sources a:hover{text-decoration-thickness:2px}
.notice-row{align-items:center;align-self:stretch}
.time{font-size:11px;color:#5b6472;margin:3px 6px 0}
.notice-row .time{margin-top:1px}
.initials{font-size:14px;font-weight:700;letter-spacing:.02em}
.notice{margin:2px auto;max-width:90%;padding:5px 12px;border-radius:12px;background:#f1f3f6;color:#3d4451;font-size:12.5px;text-align:center}
.typing{display:flex;align-items:center;gap:8px;padding:0 18px 8px;font-size:12.5px;color:#555e6c}
.dots{display:inline-flex;gap:3px;padding:8px 10px;border-radius:12px;background:#f1f3f6}
.dots i{width:6px;height:6px;border-radius:50%;background:#6b7380;animation:wl-dot 1.2s infinite ease-in-out}
.dots i:nth-child(2){animation-delay:.15s}.dots i:nth-child(3){animation-delay:.3s}
@keyframes wl-dot{0%,60%,100%{transform:none;opacity:.5}30%{transform:translateY(-4px);opacity:1}}
.compose{display:flex;align-items:flex-end;gap:8px;padding:10px 12px;border-top:1px solid #e6e8ec;background:#fff}
.box{align-self:stretch;padding:10px 12px;border:1px solid #d9dde3;border-radius:12px;background:#fafbfc;font-size:13.5px}
.box>p{margin:0}
.mini{display:flex;flex-wrap:wrap;gap:6px;margin-top:8px}
.mini input{flex:1 1 150px;min-width:0;height:36px;padding:6px 10px;border:1px solid #868f9c;border-radius:10px;background:#fff;color:#1b1f27}
.mini .send{height:36px}
.mini .send:disabled{opacity:.6;cursor:default}
.stars{display:flex;gap:6px;flex-basis:100%}
.stars button{flex:1;height:36px;border:1px solid #868f9c;border-radius:10px;background:#fff;font-weight:650}
.stars [aria-pressed=true]{background:var(--brand);color:var(--on-brand);border-color:var(--brand)}
.err{flex-basis:100%;margin:0;font-size:12px;color:#a3221a}
.err:empty{display:none}
textarea{flex:1;min-height:42px;max-height:132px;resize:none;padding:10px 12px;border:1px solid #868f9c;border-radius:12px;background:#fff;color:#1b1f27;line-height:1.4}
textarea::placeholder{color:#68707d}
textarea:focus-visible{outline-offset:0;border-color:var(--ink)}
.send{flex:none;height:42px;min-width:42px;padding:0 14px;display:inline-flex;align-items:center;gap:6px;border:0;border-radius:12px;background:var(--brand);color:var(--on-brand);font-weight:600}
.send:hover{filter:brightness(.94)}
.hint{margin:0;padding:0 14px 6px;font-size:12px;color:#a3221a}
.foot{margin:0;padding:0 12px 8px;font-size:11.5px;color:#5b6472;text-align:center}
.foot a{color:var(--ink);font-weight:600;text-underline-offset:2px;white-space:nowrap}
@media (max-width:480px){
 .panel{top:0;left:0;right:0;bottom:0;width:auto;height:auto;border-radius:0}
 .launcher{bottom:16px;${side}:16px}
 .bubble{max-width:92%}
 .human{padding:6px 10px}
}
@media (prefers-reduced-motion:reduce){*,*::before,*::after{animation:none!important;transition:none!important;scroll-behavior:auto!important}}
@media (forced-colors:active){.launcher,.send,.human,.bubble,.notice{border:1px solid CanvasText}}
`;

  // ---- UI -------------------------------------------------------------------
  let host;
  let log;
  let panel;
  let launcher;
  let input;
  let badge;
  let queueBar;
  let connBar;
  let typingEl;
  let typingLabel;
  let subEl;
  let avatarEl;
  let hint;

  const build = () => {
    host = doc.createElement('warmline-widget');
    const hs = host.style;
    for (const [k, v] of [
      ['all', 'initial'],
      ['position', 'fixed'],
      ['z-index', '2147483647'],
      ['top', '0'],
      ['left', '0'],
      ['width', '0'],
      ['height', '0'],
      ['display', 'block'],
      ['overflow', 'visible'],
    ])
      hs.setProperty(k, v, 'important');
    const root = host.attachShadow({ mode: 'open' });
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS_TEXT);
      root.adoptedStyleSheets = [sheet];
    } catch (_) {
      root.append(h('style', { text: CSS_TEXT }));
    }
    // the widget reads in its own language's direction, whatever the host page's is
    const wrap = h('div', { class: 'root ' + side, lang, dir: t('dir') });
    root.append(wrap);
    doc.body.append(host);
    const colors = palette(wrap);
    wrap.style.setProperty('--brand', colors.brand);
    wrap.style.setProperty('--on-brand', colors.onBrand);
    wrap.style.setProperty('--ink', colors.ink);
    wrap.style.color = '';
    wrap.style.setProperty('--sending', JSON.stringify(t('sending')));
    wrap.style.setProperty('--retrying', JSON.stringify(t('retrying')));

    badge = h('span', { class: 'badge', 'data-testid': 'unread', 'aria-hidden': 'true', hidden: true });
    launcher = h(
      'button',
      {
        type: 'button',
        class: 'launcher',
        'data-testid': 'launcher',
        'aria-label': t('open'),
        'aria-expanded': 'false',
        'aria-controls': 'wl-panel',
        onclick: () => open(),
      },
      icon(CHAT_ICON, 28),
      badge
    );
    log = h('div', {
      class: 'log',
      role: 'log',
      'aria-live': 'polite',
      'aria-relevant': 'additions text',
      'aria-label': t('log'),
      'data-testid': 'messages',
      tabindex: '0',
    });
    if (greeting) {
      const g = h('div', { class: 'row bot', 'data-testid': 'greeting' }, h('div', { class: 'who', text: t('assistant') }));
      const b = h('div', { class: 'bubble', dir: 'auto' });
      b.append(markdown(greeting));
      g.append(b);
      log.append(g);
    }
    input = h('textarea', {
      id: 'wl-input',
      'data-testid': 'input',
      rows: '1',
      maxlength: String(MAX_CHARS),
      placeholder: t('placeholder'),
      autocomplete: 'off',
      dir: 'auto',
      enterkeyhint: 'send',
      'aria-describedby': 'wl-hint',
    });
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        submit();
      }
    });
    input.addEventListener('input', () => {
      grow();
      if (hint.textContent && input.value.length <= MAX_CHARS) hint.textContent = '';
    });
    hint = h('p', { class: 'hint', id: 'wl-hint', 'aria-live': 'polite' });
    queueBar = h('div', { class: 'bar queue', 'data-testid': 'queue-position', role: 'status', hidden: true });
    connBar = h('div', { class: 'bar conn', 'data-testid': 'connection', role: 'status', hidden: true });
    typingLabel = h('span', { text: t('typing') });
    typingEl = h(
      'div',
      { class: 'typing', 'data-testid': 'typing', role: 'status', hidden: true },
      h('span', { class: 'dots', 'aria-hidden': 'true' }, h('i'), h('i'), h('i')),
      typingLabel
    );
    avatarEl = h('div', { class: 'avatar', 'data-testid': 'avatar', 'aria-hidden': 'true' });
    subEl = h('p', { class: 'sub', id: 'wl-sub', 'data-testid': 'answering', 'aria-live': 'polite' });
    panel = h(
      'section',
      {
        class: 'panel',
        id: 'wl-panel',
        'data-testid': 'panel',
        role: 'dialog',
        'aria-labelledby': 'wl-title',
        'aria-describedby': 'wl-sub',
        hidden: true,
      },
      h(
        'div',
        { class: 'head' },
        avatarEl,
        h('div', { class: 'titles' }, h('h2', { id: 'wl-title', text: title }), subEl),
        h(
          'button',
          { type: 'button', class: 'close', 'data-testid': 'close', 'aria-label': t('close'), onclick: () => close(true) },
          icon(CLOSE_ICON, 20)
        ),
        h(
          'button',
          { type: 'button', class: 'human', 'data-testid': 'talk-to-person', onclick: requestHuman },
          icon(PERSON_ICON, 16),
          t('human')
        )
      ),
      queueBar,
      connBar,
      log,
      typingEl,
      hint,
      h(
        'form',
        {
          class: 'compose',
          onsubmit: (e) => {
            e.preventDefault();
            submit();
          },
        },
        h('label', { for: 'wl-input', class: 'sr', text: t('message') }),
        input,
        h(
          'button',
          { type: 'submit', class: 'send', 'data-testid': 'send' },
          icon(SEND_ICON, 18),
          h('span', { text: t('send') })
        )
      ),
      h(
        'p',
        { class: 'foot', 'data-testid': 'disclosure' },
        t('masked'),
        privacyUrl ? ' ' : null,
        privacyUrl
          ? h('a', { href: privacyUrl, target: '_blank', rel: 'noopener', 'data-testid': 'privacy-link', text: t('privacy') })
          : null
      )
    );
    panel.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        close(true);
      }
    });
    wrap.append(launcher, panel);
    setHeader();

    // restore the cached transcript and unsent messages
    const cached = store.get(HKEY);
    if (conversationId && cached && cached.conversation_id === conversationId && Array.isArray(cached.events)) {
      for (const ev of cached.events) onEvent(ev, false);
      if (lastSeq < (Number(saved.last_seq) || 0)) lastSeq = Number(saved.last_seq) || 0;
    }
    const acked = new Set(history.map((e) => e.data && e.data.client_msg_id).filter(Boolean));
    outbox = outbox.filter((m) => !acked.has(m.id));
    for (const m of outbox) log.append(pendingRow(m));
    saveOutbox();
    if (conversationId || outbox.length) connect();
  };

  const grow = () => {
    input.style.height = 'auto';
    input.style.height = Math.min(input.scrollHeight + 2, 132) + 'px';
  };
  const nearBottom = () => log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  const toBottom = () => {
    log.scrollTop = log.scrollHeight;
  };

  // ---- rendering ------------------------------------------------------------
  const ROLES = ['customer', 'bot', 'agent', 'system'];
  const bubbleFor = (d, role) => {
    const b = h('div', { class: 'bubble' });
    // each message reads in its own direction (an Arabic question in an English widget)
    const text = h('div', { class: 'text', dir: 'auto' });
    if (role === 'customer') text.textContent = d.force_human ? t('askPerson') : String(d.text ?? '');
    else text.append(markdown(d.text ?? ''));
    b.append(text);
    const cites = Array.isArray(d.citations) ? d.citations.filter((c) => c && (c.url || c.title)) : [];
    if (cites.length) {
      const p = h('p', { class: 'sources' }, t('sources'));
      const urls = new Set();
      for (const c of cites) {
        const url = safeUrl(c.url);
        if (url && urls.has(url)) continue;
        if (urls.size || p.childNodes.length > 1) p.append(', ');
        urls.add(url);
        const label = String(c.title || c.url || t('source'));
        p.append(
          url
            ? h('a', { href: url, target: '_blank', rel: 'noopener', 'data-testid': 'citation', text: label })
            : h('span', { 'data-testid': 'citation', text: label })
        );
      }
      b.append(p);
    }
    return b;
  };
  // when a message was written, in the reader's clock; the date too when it was not today
  const clock = (() => {
    const opts = { hour: 'numeric', minute: '2-digit' };
    const make = (o) => {
      try {
        return new Intl.DateTimeFormat(language || lang, o);
      } catch (_) {
        return new Intl.DateTimeFormat(lang, o);
      }
    };
    return { today: make(opts), other: make({ ...opts, month: 'short', day: 'numeric' }) };
  })();
  const timeEl = (ts) => {
    const at = new Date(ts == null ? Date.now() : ts);
    if (Number.isNaN(at.getTime())) return null;
    const today = at.toDateString() === new Date().toDateString();
    return h('time', { class: 'time', 'data-testid': 'time', datetime: at.toISOString(), text: (today ? clock.today : clock.other).format(at) });
  };
  // where a waiting customer stands, in their language, from the figures the server sent
  const waitingText = (d) => {
    const n = Number(d.position);
    const minutes = Math.ceil(Number(d.expected_wait_seconds) / 60);
    const parts = [n >= 1 ? t('ackPlace', { n }) : t('ackNoPlace')];
    if (n >= 1) parts.push(minutes >= 1 ? (minutes === 1 ? t('waitOne') : t('waitMany', { n: minutes })) : t('ackNobody'));
    parts.push(d.answering ? t('ackAnswering') : t('ackQuiet'));
    return parts.join(' ');
  };
  const messageRow = (d, seq, ts) => {
    const role = ROLES.includes(d.role) ? d.role : 'system';
    const attrs = { class: 'row ' + role, 'data-testid': 'msg', 'data-role': role, 'data-seq': seq };
    if (role === 'system') {
      attrs.class += ' notice-row';
      if (typeof d.kind === 'string') attrs['data-kind'] = d.kind;
      const text = d.kind === 'waiting' ? waitingText(d) : String(d.text ?? '');
      return h('div', attrs, h('p', { class: 'notice', 'data-testid': 'notice', dir: 'auto', text }), timeEl(ts));
    }
    if (role === 'bot' && d.while_waiting) attrs['data-while-waiting'] = 'true';
    const row = h('div', attrs);
    if (role === 'bot')
      row.append(h('div', { class: 'who', text: d.while_waiting ? t('assistant') + ' · ' + t('whileWaiting') : t('assistant') }));
    if (role === 'agent')
      row.append(h('div', { class: 'who', 'data-testid': 'agent-name', dir: 'auto', text: String(d.agent_name || t('team')) }));
    row.append(bubbleFor(d, role), timeEl(ts));
    return row;
  };
  const pendingRow = (m) => {
    const row = messageRow({ role: 'customer', text: m.text, force_human: m.type === 'request_human' }, null, m.at);
    row.removeAttribute('data-seq');
    row.classList.add('pending');
    row.dataset.clientMsgId = m.id;
    return row;
  };
  const pendingEl = (id) => {
    for (const el of log.querySelectorAll('.pending,.failed')) if (el.dataset.clientMsgId === id) return el;
    return null;
  };
  // keep rows in seq order; pending rows stay at the end
  const place = (el) => {
    const seq = Number(el.dataset.seq);
    let ref = null;
    for (const c of log.children) {
      if (c === el) continue;
      if (c.dataset.seq === undefined) {
        if (c.classList.contains('pending') || c.classList.contains('failed')) {
          ref = c;
          break;
        }
        continue;
      }
      if (Number(c.dataset.seq) > seq) {
        ref = c;
        break;
      }
    }
    log.insertBefore(el, ref);
  };
  const initialsOf = (name) =>
    String(name)
      .trim()
      .split(/\s+/)
      .slice(0, 2)
      .map((w) => Array.from(w)[0] || '')
      .join('')
      .toUpperCase();
  // who answers now, in the header: the assistant, the line (with place), or the agent by name
  const setHeader = () => {
    if (!subEl) return;
    const state = mode === 'queued' ? 'waiting' : mode === 'human' ? 'agent' : 'bot';
    const name = agentName || t('someone');
    subEl.dataset.state = state;
    subEl.textContent =
      state === 'waiting'
        ? queuePlace
          ? t('waitingHead', { n: queuePlace })
          : t('waitingHeadAny')
        : state === 'agent'
          ? t('withAgent', { name })
          : t('disclosure');
    avatarEl.replaceChildren(
      state === 'agent' ? h('span', { class: 'initials', 'data-testid': 'agent-initials', dir: 'auto', text: initialsOf(name) }) : icon(CHAT_ICON, 20)
    );
  };
  const modeText = (m, prev, d) => {
    if (m === 'queued' && prev !== 'queued') return t('connecting');
    if (m === 'human') return t('joined', { name: d.agent_name || t('someone') });
    if (m === 'bot' && prev === 'human') return t('backToBot');
    if (m === 'resolved' && prev !== 'resolved') return t('resolved');
    return '';
  };

  // ---- follow-up and rating forms: drawn from events, closed by the events that answer them
  const noticeRow = (seq, id, text) =>
    h('div', { class: 'row notice-row', 'data-kind': id, 'data-seq': seq }, h('p', { class: 'notice', 'data-testid': id, text }));
  const formRow = (kind, seq, text, collect, ...kids) => {
    const err = h('p', { class: 'err', 'data-testid': kind + '-error', role: 'alert' });
    const btn = h('button', { type: 'submit', class: 'send', 'data-testid': kind + '-send', text: t('send') });
    const form = h(
      'form',
      {
        class: 'mini',
        'data-form': kind,
        'data-for': seq,
        'data-testid': kind + '-form',
        onsubmit: (e) => {
          e.preventDefault();
          const data = collect();
          const id = uuid();
          err.textContent =
            typeof data === 'string'
              ? data
              : ready && sendRaw({ type: kind === 'csat' ? 'csat' : 'leave_contact', client_msg_id: id, data })
                ? ''
                : t('notConnected');
          if (err.textContent) return;
          btn.disabled = true;
          pendingForms.set(id, (why) => {
            btn.disabled = false;
            err.textContent = why || '';
          });
        },
      },
      ...kids,
      btn,
      err
    );
    return h(
      'div',
      { class: 'row notice-row', 'data-testid': 'msg', 'data-role': 'system', 'data-kind': kind, 'data-seq': seq },
      h('div', { class: 'box', 'data-testid': kind === 'csat' ? 'csat' : 'offer-contact' }, h('p', { 'data-testid': kind + '-text', dir: 'auto', text }), form)
    );
  };
  const contactRow = (d, seq) => {
    const inp = h('input', { type: 'text', 'data-testid': 'contact-input', placeholder: t('contact'), 'aria-label': t('contact'), autocomplete: 'email', maxlength: '200' });
    return formRow('contact', seq, String(d.text ?? ''), () => inp.value.trim() ? { text: inp.value.trim() } : t('contactMissing'), inp);
  };
  const csatRow = (d, seq) => {
    let score = 0;
    const stars = h('div', { class: 'stars', role: 'group', 'aria-label': t('csatScale') });
    for (let n = 1; n <= 5; n++)
      stars.append(
        h('button', {
          type: 'button',
          'data-testid': 'csat-score',
          'data-score': n,
          'aria-pressed': 'false',
          text: String(n),
          onclick: (e) => {
            score = n;
            for (const b of stars.children) b.setAttribute('aria-pressed', String(b === e.currentTarget));
          },
        })
      );
    const note = h('input', { type: 'text', 'data-testid': 'csat-comment', placeholder: t('csatComment'), 'aria-label': t('csatComment'), maxlength: '2000', dir: 'auto' });
    return formRow('csat', seq, t('csatAsk'), () => (score ? { score, comment: note.value.trim() } : t('csatMissing')), stars, note);
  };
  // only the newest form of each kind shows, and only until an event answers it
  const syncForms = () => {
    for (const kind in closedBy) {
      const all = log.querySelectorAll(`form[data-form="${kind}"]`);
      all.forEach((f, i) => (f.hidden = i < all.length - 1 || closedBy[kind] > Number(f.dataset.for)));
    }
  };
  const answered = (kind, seq) => (closedBy[kind] = Math.max(closedBy[kind], seq));

  function onEvent(ev, live) {
    const seq = ev.seq;
    if (ev.type === 'note' || !Number.isInteger(seq) || seq < 1 || seen.has(seq)) return; // notes are for agents only
    seen.add(seq);
    if (seq > lastSeq) lastSeq = seq;
    const d = ev.data || {};
    const stick = !log || nearBottom();
    if (ev.type === 'message') {
      let el = null;
      if (d.role === 'customer' && d.client_msg_id) {
        el = pendingEl(d.client_msg_id);
        dropOutbox(d.client_msg_id);
      }
      if (el) {
        el.classList.remove('pending', 'failed');
        el.removeAttribute('data-error');
        // The customer keeps seeing the words they typed; the stored echo (placeholders
        // for personal details) is what the agent, the AI and the transcript get.
        if (d.force_human) el.querySelector('.text').textContent = t('askPerson');
        el.dataset.seq = seq;
        const at = timeEl(ev.ts);
        if (at) el.querySelector('.time').replaceWith(at);
      } else el = d.offer_contact && d.role === 'system' ? contactRow(d, seq) : messageRow(d, seq, ev.ts);
      place(el);
      if (d.role === 'bot' || d.role === 'agent') hideTyping();
      if (d.role === 'bot') endStream();
      if (live && !isOpen && d.role !== 'customer') setUnread(unread + 1);
    } else if (ev.type === 'mode') {
      const m = String(d.mode || '');
      const text = modeText(m, shownMode, d);
      shownMode = m;
      mode = m;
      if (m === 'human') agentName = String(d.agent_name || '');
      setHeader();
      if (text)
        place(
          h(
            'div',
            { class: 'row notice-row', 'data-testid': 'notice', 'data-kind': 'mode', 'data-mode': m, 'data-seq': seq },
            h('p', { class: 'notice', text })
          )
        );
      if (m !== 'queued') setQueue(null);
      hideTyping();
      if (m === 'human') answered('contact', seq); // a person is here: no follow-up needed
      if (live && !isOpen && text) setUnread(unread + 1);
    } else if (ev.type === 'ticket') {
      answered('contact', seq);
      place(noticeRow(seq, 'ticket-confirmation', t('contactSaved', { contact: d.contact || t('contactYours') })));
    } else if (ev.type === 'csat_request') {
      place(csatRow(d, seq));
      if (live && !isOpen) setUnread(unread + 1);
    } else if (ev.type === 'csat') {
      answered('csat', seq);
      place(noticeRow(seq, 'csat-thanks', t('csatThanks')));
    }
    syncForms();
    history.push({
      seq,
      type: ev.type,
      ts: ev.ts,
      data: {
        role: d.role,
        text: d.text,
        force_human: d.force_human,
        citations: d.citations,
        agent_name: d.agent_name,
        client_msg_id: d.client_msg_id,
        mode: d.mode,
        offer_contact: d.offer_contact,
        contact: d.contact,
        while_waiting: d.while_waiting,
        kind: d.kind,
        position: d.position,
        expected_wait_seconds: d.expected_wait_seconds,
        answering: d.answering,
      },
    });
    if (history.length > KEEP) history = history.slice(-KEEP);
    if (stick) {
      // a long answer is read from its start, not its end
      const el = log.lastElementChild && ev.type === 'message' && d.role !== 'customer' ? log.querySelector(`[data-seq="${seq}"]`) : null;
      if (el && live && el.offsetHeight > log.clientHeight - 24) log.scrollTop = el.offsetTop - 8;
      else toBottom();
    }
    if (live) scheduleSave();
    if (ready === false && waitSeq && lastSeq >= waitSeq) flush();
  }

  // place in line, and the server's expected wait in whole minutes (none while nobody is available)
  const setQueue = (d) => {
    if (!queueBar) return;
    const stick = nearBottom();
    const n = Number(d && d.position);
    const minutes = Math.ceil(Number(d && d.expected_wait_seconds) / 60);
    queuePlace = n >= 1 ? n : 0;
    setHeader();
    queueBar.hidden = !(n >= 1);
    queueBar.replaceChildren();
    if (n >= 1) queueBar.append(t('position', { n }));
    if (n >= 1 && minutes >= 1)
      queueBar.append(' ', h('span', { 'data-testid': 'expected-wait', text: minutes === 1 ? t('waitOne') : t('waitMany', { n: minutes }) }));
    if (stick) toBottom();
  };
  // The answer as the model writes it: a preview row that the logged message replaces. A
  // piece with index 0 starts it again (a turn run once more after its worker died streams
  // from the beginning), so its text replaces what the row shows instead of following it.
  let streamRow = null;
  let streamFor = 0;
  const streamPiece = (d) => {
    if (!log || typeof d.text !== 'string') return;
    if (d.for_seq !== streamFor || !streamRow) {
      endStream();
      streamFor = d.for_seq;
      streamRow = h('div', { class: 'row bot streaming', 'data-testid': 'streaming', 'aria-busy': 'true' });
      streamRow.append(h('div', { class: 'bubble' }, h('div', { class: 'text' })));
      log.append(streamRow);
    }
    const stick = nearBottom();
    hideTyping();
    const text = streamRow.querySelector('.text');
    text.textContent = d.index === 0 ? d.text : text.textContent + d.text;
    if (stick) toBottom();
  };
  const endStream = () => {
    if (streamRow) streamRow.remove();
    streamRow = null;
  };
  // shown until the answer comes, or for `ms` after the last sign of typing
  const showTyping = (label, ms) => {
    typingLabel.textContent = label;
    typingEl.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, ms);
    if (nearBottom()) toBottom();
  };
  const hideTyping = () => {
    clearTimeout(typingTimer);
    if (typingEl) typingEl.hidden = true;
  };
  const setUnread = (n) => {
    unread = n;
    badge.hidden = !n;
    badge.textContent = n > 9 ? '9+' : String(n);
    launcher.setAttribute('aria-label', n ? t('openNew', { n }) : t('open'));
  };
  // the bar under the header: the connection is down, or the server is too busy to read a
  // message we keep resending (the button to a person still works: it needs no reading)
  const setConn = () => {
    if (!connBar) return;
    const down = started && !welcomed && attempt > 0;
    const busy = !down && busyTries.size > 0;
    connBar.hidden = !down && !busy;
    connBar.dataset.state = down ? 'offline' : busy ? 'busy' : '';
    connBar.textContent = down
      ? t(outbox.length ? 'offlineQueued' : 'offline')
      : busy
        ? t('busy', { button: t('human') })
        : '';
  };

  // ---- persistence ------------------------------------------------------------
  const saveConv = () => {
    if (conversationId && token) store.set(KEY, { conversation_id: conversationId, token, last_seq: lastSeq });
  };
  const saveNow = () => {
    clearTimeout(saveTimer);
    saveTimer = 0;
    if (!conversationId) return;
    saveConv();
    store.set(HKEY, { conversation_id: conversationId, events: history });
  };
  const scheduleSave = () => {
    if (!saveTimer) saveTimer = setTimeout(saveNow, 60);
  };
  const saveOutbox = () => (outbox.length ? store.set(OKEY, outbox) : store.del(OKEY));
  const dropOutbox = (id) => {
    const n = outbox.length;
    outbox = outbox.filter((m) => m.id !== id);
    if (outbox.length !== n) saveOutbox();
    if (busyTries.delete(id)) {
      const el = pendingEl(id);
      if (el) el.classList.remove('busy');
      setConn();
    }
  };
  const forget = () => {
    // the server does not know our conversation: start over, keep unsent messages
    store.del(KEY);
    store.del(HKEY);
    conversationId = token = null;
    lastSeq = 0;
    seen.clear();
    history = [];
    mode = shownMode = 'bot';
    agentName = '';
    queuePlace = 0;
    setHeader();
    closedBy.contact = closedBy.csat = 0;
    setQueue(null);
    hideTyping();
    if (log) for (const el of Array.from(log.querySelectorAll(':scope > [data-seq]'))) el.remove();
  };

  // ---- socket -----------------------------------------------------------------
  const sendRaw = (frame) => {
    if (!ws || ws.readyState !== 1) return false;
    try {
      ws.send(JSON.stringify({ v: 1, ...frame }));
      return true;
    } catch (_) {
      return false;
    }
  };
  const sendHello = () => {
    const data = {};
    const frame = { type: 'hello', data };
    data.profile = { language, segment: (!plainHello && ds.segment) || undefined };
    if (ds.profileSignature && !plainHello) data.profile_signature = ds.profileSignature;
    if (conversationId && token) {
      frame.conversation_id = conversationId;
      data.token = token;
      if (lastSeq > 0) data.resume_after = lastSeq;
    }
    sendRaw(frame);
  };
  const sendItem = (m) => {
    const frame = { type: m.type, client_msg_id: m.id, data: m.type === 'message' ? { text: m.text } : {} };
    if (sendRaw(frame) && !inflight.includes(m.id)) inflight.push(m.id);
  };
  function flush() {
    clearTimeout(flushTimer);
    if (!welcomed) return;
    ready = true;
    for (const m of outbox) if (!inflight.includes(m.id)) sendItem(m);
    setConn();
  }
  // send an outbox item again after `ms`, if it is still unsent and the socket is ready
  // (a reconnect sends the whole outbox anyway)
  const resendLater = (id, ms) => {
    inflight = inflight.filter((x) => x !== id);
    setTimeout(() => {
      const m = outbox.find((x) => x.id === id);
      if (m && ready && !inflight.includes(id)) sendItem(m);
    }, ms);
  };
  const fail = (id, why) => {
    dropOutbox(id);
    const el = pendingEl(id);
    if (el) {
      el.classList.remove('pending');
      el.classList.add('failed');
      el.dataset.error = t('notSent', { why: why || t('refused') });
    }
  };

  function connect() {
    if (ws) return;
    clearTimeout(retryTimer);
    retryTimer = 0;
    started = true;
    const sock = openSocket(wsUrl);
    if (!sock) {
      retry();
      return;
    }
    ws = sock;
    welcomed = ready = false;
    inflight = [];
    sock.onopen = () => {
      if (ws === sock) sendHello();
    };
    sock.onmessage = (e) => {
      if (ws === sock) receive(e.data);
    };
    sock.onclose = sock.onerror = () => {
      if (ws !== sock) return;
      ws = null;
      welcomed = ready = false;
      inflight = [];
      for (const f of pendingForms.values()) f(t('lost'));
      pendingForms.clear();
      clearInterval(pingTimer);
      clearTimeout(deadTimer);
      clearTimeout(flushTimer);
      hideTyping();
      try {
        sock.close();
      } catch (_) {
        /* already closed */
      }
      retry();
    };
  }
  function retry() {
    if (retryTimer) return;
    const delay = backoff(attempt++);
    retryTimer = setTimeout(() => {
      retryTimer = 0;
      connect();
    }, delay);
    setConn();
  }
  const kick = () => {
    if (started && !ws) {
      clearTimeout(retryTimer);
      retryTimer = 0;
      connect();
    }
  };

  function receive(raw) {
    let f;
    try {
      f = JSON.parse(raw);
    } catch (_) {
      return;
    }
    if (!f || typeof f !== 'object') return;
    clearTimeout(deadTimer);
    const d = f.data || {};
    switch (f.type) {
      case 'welcome':
        if (conversationId && f.conversation_id !== conversationId) forget();
        conversationId = f.conversation_id;
        if (d.token) token = d.token;
        if (d.mode) mode = d.mode;
        setHeader();
        welcomed = true;
        attempt = 0;
        saveNow();
        setConn();
        waitSeq = Number(d.last_seq) || 0;
        if (lastSeq >= waitSeq) flush();
        else flushTimer = setTimeout(flush, 2000);
        clearInterval(pingTimer);
        pingTimer = setInterval(() => {
          if (sendRaw({ type: 'ping', data: {} })) {
            clearTimeout(deadTimer);
            deadTimer = setTimeout(() => ws && ws.close(), 10000);
          }
        }, 25000);
        break;
      case 'message':
      case 'mode':
      case 'ticket':
      case 'csat_request':
      case 'csat':
        if (!f.conversation_id || f.conversation_id === conversationId) onEvent(f, welcomed && ready ? true : 'resume');
        break;
      case 'ack': {
        const id = d.client_msg_id;
        if (pendingForms.delete(id)) break; // the answering event closes the form
        inflight = inflight.filter((x) => x !== id);
        dropOutbox(id);
        const el = id && pendingEl(id);
        if (el && Number.isInteger(d.seq) && seen.has(d.seq)) {
          const other = log.querySelector(`[data-seq="${d.seq}"]`);
          if (other) el.remove();
          else {
            el.classList.remove('pending');
            el.dataset.seq = d.seq;
            place(el);
          }
        }
        setConn();
        break;
      }
      case 'typing':
        if (d.who === 'bot' && mode === 'bot') showTyping(t('typing'), 30000);
        else if (d.who === 'agent' && mode === 'human')
          showTyping(t('typingAgent', { name: d.agent_name || agentName || t('someone') }), 6000);
        break;
      case 'delta':
        streamPiece(d);
        break;
      case 'queue_position':
        setQueue(d);
        break;
      case 'error':
        if (pendingForms.has(d.client_msg_id)) {
          pendingForms.get(d.client_msg_id)(d.message || t('notSent', { why: t('refused') }));
          pendingForms.delete(d.client_msg_id);
        } else if (d.frame_type === 'hello' && d.code === 'bad_frame' && !plainHello) {
          plainHello = true; // e.g. a malformed data-segment: start without it rather than not at all
          sendHello();
        } else if (d.code === 'unknown_conversation' && !welcomed) {
          forget();
          sendHello(); // same socket: the server still waits for a hello
        } else if (d.code === 'hello_first') {
          welcomed = ready = false;
          sendHello();
        } else if (d.code === 'rate_limited' && d.client_msg_id) {
          // Too many at once: keep it in the outbox and try again shortly, never drop it.
          resendLater(d.client_msg_id, 3000);
        } else if (d.code === 'busy' && d.client_msg_id) {
          // No one could read it in time and nothing was stored: keep it, say so, and send the
          // same frame again (the server keeps one copy), waiting longer each time.
          const id = d.client_msg_id;
          const tries = busyTries.get(id) || 0;
          busyTries.set(id, tries + 1);
          const el = pendingEl(id);
          if (el) el.classList.add('busy');
          resendLater(id, backoff(tries));
          setConn();
        } else if (/^(message_too_long|empty_message|unprocessable|bad_frame|frame_too_large|bad_json)$/.test(d.code) && inflight.length) {
          const id = inflight.includes(d.client_msg_id) ? d.client_msg_id : inflight[0];
          inflight = inflight.filter((x) => x !== id);
          fail(id, d.message);
        }
        break;
      default:
        break; // pong and future control frames
    }
  }

  // ---- actions ----------------------------------------------------------------
  const enqueue = (m) => {
    outbox.push(m);
    saveOutbox();
    log.append(pendingRow(m));
    toBottom();
    if (ready) sendItem(m);
    else if (!ws) {
      attempt = 0;
      connect();
    }
    setConn();
  };
  function submit() {
    const text = input.value;
    if (!text.trim()) return;
    if (text.length > MAX_CHARS || new TextEncoder().encode(text).length > MAX_BYTES) {
      hint.textContent = t('tooLong', { n: MAX_CHARS });
      return;
    }
    input.value = '';
    hint.textContent = '';
    grow();
    enqueue({ id: uuid(), type: 'message', text, at: Date.now() });
    input.focus();
  }
  function requestHuman() {
    enqueue({ id: uuid(), type: 'request_human', at: Date.now() });
  }
  function open() {
    if (!panel) return;
    isOpen = true;
    panel.hidden = false;
    launcher.hidden = true;
    launcher.setAttribute('aria-expanded', 'true');
    setUnread(0);
    if (!ws) kick();
    if (!started) connect();
    setConn();
    toBottom();
    input.focus();
  }
  function close(returnFocus) {
    if (!panel) return;
    isOpen = false;
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute('aria-expanded', 'false');
    if (returnFocus !== false) launcher.focus();
  }
  function reset() {
    const sock = ws;
    ws = null;
    if (sock) sock.close();
    clearTimeout(retryTimer);
    retryTimer = 0;
    started = welcomed = ready = false;
    outbox = [];
    busyTries.clear();
    store.del(OKEY);
    forget();
    if (log) for (const el of Array.from(log.querySelectorAll('.pending,.failed'))) el.remove();
    setConn();
    if (isOpen) connect();
  }

  const api = {
    __warmline: 1,
    version: '1.0.0',
    open,
    close: () => close(!!(host && host.shadowRoot.activeElement)),
    toggle: () => (isOpen ? api.close() : open()),
    reset,
    state: () => ({
      conversationId,
      lastSeq,
      connected: !!(ws && welcomed),
      mode,
      open: isOpen,
      outbox: outbox.length,
    }),
  };
  try {
    win.Warmline = api;
  } catch (_) {
    /* a read-only global: the widget still works, only the API is missing */
  }

  const boot = () => {
    if (host) return;
    build();
    win.addEventListener('online', kick);
    win.addEventListener('pagehide', saveNow);
    doc.addEventListener('visibilitychange', () => doc.visibilityState === 'visible' && kick());
  };
  if (doc.body) boot();
  else doc.addEventListener('DOMContentLoaded', boot);
}

main();
