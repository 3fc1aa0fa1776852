/* Warmline supervisors' page: the floor as figures, pushed over /v1/agent (read-only view). */
import { $, h } from './shared/dom.js';
import { parseTime, span } from './shared/time.js';
import { backoff } from './shared/backoff.js';
import { onSignIn, setConn, showSignIn } from './shared/desk.js';

const WS_URL = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/v1/agent';
const STATUS = { available: 'Available', away: 'Away', offline: 'Offline' };
const S = { token: null, ws: null, stopped: true, attempt: 0, retry: 0, board: null, agent: null };

const percent = (x) => (x == null ? '—' : `${Math.round(x * 100)}%`);
const seconds = (x) => (x == null ? '—' : span(x * 1000));
const tile = (label, value, testid, sub) =>
  h('div', { class: 'tile' }, h('dt', { text: label }), h('dd', { 'data-testid': testid }, String(value), sub ? h('span', { class: 'sub', text: sub }) : null));
// waits of the customers in line now, from when each started waiting: they tick here
const currentWaits = (since) => {
  const waits = (since || []).map(parseTime).filter((t) => t != null).map((t) => Date.now() - t).sort((a, b) => a - b);
  const mid = waits.length >> 1;
  return {
    longest: waits.length ? span(waits[waits.length - 1]) : '—',
    median: waits.length ? span(waits.length % 2 ? waits[mid] : (waits[mid - 1] + waits[mid]) / 2) : '—',
  };
};

const table = (caption, head, rows, testid) =>
  h(
    'table',
    { 'data-testid': testid },
    h('caption', { class: 'sr-only', text: caption }),
    h('thead', null, h('tr', null, head.map(([text, num]) => h('th', { scope: 'col', class: num ? 'num' : null, text })))),
    h('tbody', null, rows)
  );

function renderReasons(d) {
  // from the day's first handoff to now; hours read in the day's own time zone (the
  // policy's business hours), which the server's ISO times carry as their offset
  const all = Array.isArray(d.reasons_by_hour) ? d.reasons_by_hour : [];
  const first = all.findIndex((x) => x.handoffs);
  const hours = first < 0 ? [] : all.slice(first);
  const codes = (Array.isArray(d.escalations_today) ? d.escalations_today : []).map((r) => [r.code, r.words]);
  if (!hours.some((x) => x.handoffs)) {
    return h('p', { class: 'muted', 'data-testid': 'no-reasons', text: 'No handoffs yet today.' });
  }
  const most = Math.max(1, ...hours.map((x) => x.handoffs));
  return table(
    'Handoffs per hour today, by reason',
    [['Hour'], ['Handoffs', true], ...codes.map(([, words]) => [words, true])],
    hours.map((x) =>
      h(
        'tr',
        { 'data-testid': 'reason-hour', 'data-hour': x.hour },
        h('th', { scope: 'row', text: String(x.hour).slice(11, 16) }),
        h('td', { class: 'num' }, h('span', { class: 'bar', style: null, 'data-width': x.handoffs / most, 'aria-hidden': 'true' }), String(x.handoffs)),
        codes.map(([code]) => h('td', { class: 'num', 'data-code': code, text: String((x.reasons || {})[code] || 0) }))
      )
    ),
    'reasons-table'
  );
}

function renderAgents(d) {
  const agents = Array.isArray(d.agents) ? d.agents : [];
  if (!agents.length) return h('p', { class: 'muted', text: 'No agents configured.' });
  return table(
    'Each agent: status, conversations now, handled today and mean handle time',
    [['Agent'], ['Status'], ['Conversations now', true], ['Handled today', true], ['Mean handle time', true]],
    agents.map((a) =>
      h(
        'tr',
        { 'data-testid': 'agent-row', 'data-agent-id': a.id },
        h('th', { scope: 'row', text: a.name }),
        h('td', { 'data-testid': 'agent-status', text: STATUS[a.status] || a.status }),
        h('td', { class: 'num', 'data-testid': 'agent-load', text: `${a.active}/${a.capacity}` }),
        h('td', { class: 'num', 'data-testid': 'agent-handled', text: String(a.handled_today) }),
        h('td', { class: 'num', 'data-testid': 'agent-handle-time', text: seconds(a.mean_handle_seconds) })
      )
    ),
    'agents-table'
  );
}

function render() {
  const d = S.board;
  if (!d) return;
  const waits = currentWaits(d.waiting_since);
  $('now').replaceChildren(
    tile('Waiting for a person', d.waiting ?? 0, 'dash-waiting'),
    tile('With an agent', d.with_agent ?? 0, 'dash-with-agent'),
    tile('Longest wait now', waits.longest, 'dash-longest-wait'),
    tile('Median wait now', waits.median, 'dash-current-wait')
  );
  const started = d.conversations_today ?? 0;
  $('today').replaceChildren(
    tile('Wait, median (p50)', seconds(d.median_wait_today_seconds), 'dash-p50-today'),
    tile('Wait, 90th percentile (p90)', seconds(d.p90_wait_today_seconds), 'dash-p90-today'),
    tile('AI resolution rate', percent(d.ai_resolution_rate), 'dash-ai-rate', `of ${started} conversation${started === 1 ? '' : 's'}, never handed to a person`),
    tile('Customer rating (CSAT)', d.csat_average == null ? '—' : `${Number(d.csat_average).toFixed(1)} / 5`, 'dash-csat', `${d.csat_count ?? 0} rating${d.csat_count === 1 ? '' : 's'}`),
    tile('Claimed by agents', d.claimed_today ?? 0, 'dash-claimed-today')
  );
  $('day').textContent = d.day_start ? `since ${String(d.day_start).slice(0, 16).replace('T', ' ')} (${String(d.day_start).slice(19) || 'UTC'})` : '';
  $('reasons').replaceChildren(renderReasons(d));
  for (const bar of document.querySelectorAll('.bar[data-width]')) bar.style.width = `${Math.round(Number(bar.dataset.width) * 80)}px`;
  $('agents').replaceChildren(renderAgents(d));
}

// ---- socket: the read-only supervisor view of /v1/agent ---------------------------
let errorTimer = 0;
const showError = (text) => {
  $('error').replaceChildren(h('span', { class: 'alert-text', text }));
  $('error').classList.add('show');
  clearTimeout(errorTimer);
  errorTimer = setTimeout(() => {
    $('error').replaceChildren();
    $('error').classList.remove('show');
  }, 15000);
};
const signedOut = (message) => {
  stop();
  S.agent = null;
  showSignIn();
  if (message) showError(message);
  $('token').focus();
};
function receive(f) {
  const d = f.data || {};
  if (f.type === 'welcome') {
    S.agent = d.agent || { name: '' };
    S.attempt = 0;
    setConn('online', 'Live');
    $('agent-name').textContent = S.agent.name;
    $('me-initials').textContent = String(S.agent.name || '?').slice(0, 1).toUpperCase();
    $('login-view').hidden = true;
    $('app').hidden = false;
  } else if (f.type === 'dashboard') {
    S.board = d;
    $('updated').textContent = `Updated ${new Date().toLocaleTimeString()}`;
    render();
  } else if (f.type === 'error' && (d.code === 'unauthorized' || d.code === 'forbidden')) {
    signedOut(d.code === 'forbidden' ? 'This page is for supervisors. Your token signs in to the agent console.' : `Sign-in failed: ${d.message || 'unknown agent token.'}`);
  }
}
function connect() {
  if (S.ws || S.stopped) return;
  const sock = new WebSocket(WS_URL);
  S.ws = sock;
  setConn('connecting', S.attempt ? 'Reconnecting…' : 'Connecting…');
  sock.onopen = () => sock.send(JSON.stringify({ v: 1, type: 'hello', data: { token: S.token, view: 'supervisor' } }));
  sock.onmessage = (e) => {
    if (S.ws !== sock) return;
    try {
      receive(JSON.parse(e.data));
    } catch (_) {
      /* not a frame */
    }
  };
  sock.onclose = sock.onerror = () => {
    if (S.ws !== sock) return;
    S.ws = null;
    if (S.stopped) return;
    const delay = backoff(S.attempt++);
    setConn('offline', `Offline · retrying in ${Math.ceil(delay / 1000)} s`);
    S.retry = setTimeout(connect, delay);
  };
}
function stop() {
  S.stopped = true;
  clearTimeout(S.retry);
  const sock = S.ws;
  S.ws = null;
  if (sock) sock.close();
}

onSignIn(showError, (token) => {
  S.token = token;
  S.stopped = false;
  S.attempt = 0;
  connect();
});
$('signout').addEventListener('click', () => {
  S.token = null;
  S.board = null;
  $('token').value = '';
  signedOut(null);
});
setInterval(render, 5000); // the waits of customers in line tick between pushes
