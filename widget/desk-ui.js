/* Warmline's desk pages (agent console, supervisors' page): the helpers both use.
   Elements are built from text nodes and attributes, never HTML strings. */
(() => {
  'use strict';

  const $ = (id) => document.getElementById(id);
  const h = (tag, props, ...kids) => {
    const el = document.createElement(tag);
    if (props) {
      for (const k of Object.keys(props)) {
        const v = props[k];
        if (v == null || v === false) continue;
        if (k === 'class') el.className = v;
        else if (k === 'text') el.textContent = v;
        else if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), v);
        else el.setAttribute(k, v === true ? '' : String(v));
      }
    }
    for (const c of kids.flat()) if (c != null && c !== false) el.append(c);
    return el;
  };
  const parseTime = (iso) => {
    const t = Date.parse(iso);
    return Number.isNaN(t) ? null : t;
  };
  const clock = (iso) => {
    const t = parseTime(iso);
    return t == null ? '' : new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  };
  const span = (ms) => {
    const s = Math.max(0, Math.round(ms / 1000));
    if (s < 60) return `${s} s`;
    const m = Math.round(s / 60);
    if (m < 60) return `${m} min`;
    const hr = Math.floor(m / 60);
    return `${hr} h ${m % 60} min`;
  };

  window.WarmlineUI = Object.freeze({ $, h, parseTime, clock, span });
})();
