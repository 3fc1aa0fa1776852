/* The served widget in a DOM (jsdom) with a stand-in WebSocket and a clock the test moves:
   what the widget's tests drive, as a customer's browser and the server would. */
import { readFileSync } from 'node:fs';
import { JSDOM } from 'jsdom';

const BUNDLE = readFileSync(new URL('../public/widget.js', import.meta.url), 'utf8');

/** Timers that run only when the test moves the clock. */
class Clock {
  now = 0;
  timers = new Map();
  next = 1;
  set = (fn, ms = 0) => {
    const id = this.next++;
    this.timers.set(id, { at: this.now + Math.max(0, ms), fn, every: 0 });
    return id;
  };
  every = (fn, ms) => {
    const id = this.set(fn, ms);
    this.timers.get(id).every = ms;
    return id;
  };
  clear = (id) => this.timers.delete(id);
  /** Run, in time order, every timer due within `ms` from now. */
  advance(ms) {
    const end = this.now + ms;
    for (;;) {
      const due = [...this.timers].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      const [id, timer] = due;
      this.now = timer.at;
      if (timer.every) timer.at += timer.every;
      else this.timers.delete(id);
      timer.fn();
    }
    this.now = end;
  }
}

/** A page with the widget, its sockets (each records the frames the widget sends) and clock. */
export const page = () => {
  const dom = new JSDOM('<!doctype html><body></body>', { url: 'https://shop.example/', runScripts: 'outside-only' });
  const { window } = dom;
  const clock = new Clock();
  const sockets = [];
  class FakeSocket {
    constructor(url) {
      this.url = url;
      this.readyState = 0;
      this.sent = [];
      sockets.push(this);
    }
    send(text) {
      this.sent.push(JSON.parse(text));
    }
    close() {
      this.readyState = 3;
    }
    /** The server's side: the socket opens, or a frame arrives. */
    open() {
      this.readyState = 1;
      this.onopen();
    }
    receive(frame) {
      this.onmessage({ data: JSON.stringify({ v: 1, seq: null, ...frame }) });
    }
  }
  Object.assign(window, {
    WebSocket: FakeSocket,
    setTimeout: clock.set,
    clearTimeout: clock.clear,
    setInterval: clock.every,
    clearInterval: clock.clear,
  });
  window.eval(BUNDLE);
  const root = window.document.querySelector('warmline-widget').shadowRoot;
  const $ = (id) => root.querySelector(`[data-testid="${id}"]`);
  return { window, clock, sockets, $ };
};
