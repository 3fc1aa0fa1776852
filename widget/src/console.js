/* Warmline agent console: the queue, handoff cards and live conversations over /v1/agent. */
import { $, h } from './shared/dom.js';
import { parseTime, clock, span } from './shared/time.js';
import { uuid } from './shared/ids.js';
import { backoff } from './shared/backoff.js';
import { openSocket } from './shared/socket.js';
import { markdown, safeUrl } from './shared/markdown.js';
import { onSignIn, setConn, showSignIn } from './shared/desk.js';

const WS_URL = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/v1/agent';
const BASE_TITLE = 'Warmline agent console';
const ROLE_NAMES = { customer: 'Customer', bot: 'AI assistant', agent: 'Agent', system: 'System' };
const PRIORITY = { urgent: 'Urgent', high: 'High', normal: 'Normal', low: 'Low' };
const RANKS = ['low', 'normal', 'high', 'urgent']; // the server's priority ranks, lowest first
const STATUS = { available: 'Available', away: 'Away', offline: 'Offline' };
const DISPOSITIONS = {
  resolved: 'resolved',
  not_resolved: 'not resolved',
  follow_up: 'follow-up needed',
  duplicate: 'duplicate',
  spam: 'spam',
};
const LABELS = {
  bot_should_have_answered: 'Bot should have answered',
  escalation_right: 'Escalation right',
  escalation_wrong: 'Escalation wrong',
};
const EVENT_TYPES = ['message', 'mode', 'note', 'csat', 'ticket', 'csat_request'];
const LANGUAGES = { en: 'English', es: 'Spanish', de: 'German', fr: 'French', it: 'Italian', pt: 'Portuguese', nl: 'Dutch' };
const MODE_NAMES = { bot: 'With the AI assistant', queued: 'Waiting for a person', human: 'With an agent', resolved: 'Resolved' };

const S = {
  token: null,
  agent: null,
  ws: null,
  welcomed: false,
  stopped: true,
  attempt: 0,
  retryTimer: 0,
  pingTimer: 0,
  deadTimer: 0,
  queue: [],
  convs: new Map(), // conversation_id -> conversation the agent owns (or owned)
  selected: null,
  outbox: [], // replies not yet acknowledged: {id, cid, text}
  actions: [], // frames awaiting their outcome, in order: {kind, cid, id, t}
  fresh: new Set(),
  roster: [], // every agent account with status and load (roster frames)
  status: 'available', // this agent's presence as last chosen or reported
  breached: new Set(), // conversation ids announced by sla_breach frames
  closed: new Set(), // tabs the agent closed: later events do not reopen them
  sound: true,
  audio: null,
  dashboard: null, // the latest dashboard frame (supervisors)
  kbSearch: 0, // the newest knowledge-base search: older answers are dropped
  canReveal: false, // this agent may ask for an original value behind a placeholder
  previews: new Map(), // conversation_id -> its history so far, for a waiting conversation
  revealed: new Map(), // conversation_id -> Map(placeholder -> original value)
  revealing: null, // {cid, placeholder} the reveal form is open for
};

// ---- formatting ----------------------------------------------------------
const waiting = (iso) => {
  const t = parseTime(iso);
  return t == null ? '' : `Waiting ${span(Date.now() - t)}`;
};
const slaText = (iso) => {
  const t = parseTime(iso);
  if (t == null) return { text: 'No SLA', late: false };
  const left = t - Date.now();
  return left >= 0
    ? { text: `SLA ${clock(iso)} · in ${span(left)}`, late: false }
    : { text: `SLA ${clock(iso)} · overdue by ${span(-left)}`, late: true };
};
const human = (code) => String(code || '').replace(/_/g, ' ');

// text with redaction placeholders (<EMAIL_1>) shown as chips; plain text nodes only
const withPlaceholders = (el, text) => {
  const s = String(text ?? '');
  const re = /<[A-Z][A-Z_]*_\d+>/g;
  let i = 0;
  let m;
  while ((m = re.exec(s))) {
    if (m.index > i) el.append(s.slice(i, m.index));
    const placeholder = m[0];
    el.append(
      S.canReveal
        ? h('button', {
            type: 'button',
            class: 'pii pii-reveal',
            'data-testid': 'reveal',
            'data-placeholder': placeholder,
            title: 'Personal data, masked before storage. Reveal the original (audited).',
            'aria-label': `Reveal ${placeholder} (audited)`,
            text: placeholder,
            onclick: () => openReveal(S.selected, placeholder),
          })
        : h('mark', { class: 'pii', title: 'Personal data, masked before storage', text: placeholder })
    );
    i = re.lastIndex;
  }
  if (i < s.length) el.append(s.slice(i));
};

// ---- alerts, status, title -------------------------------------------------
let errorTimer = 0;
const showError = (text) => {
  const box = $('error');
  box.replaceChildren(
    h('span', { class: 'alert-text', text }),
    h('button', { type: 'button', class: 'alert-close', 'aria-label': 'Dismiss', text: '×', onclick: clearError })
  );
  box.classList.add('show');
  clearTimeout(errorTimer);
  errorTimer = setTimeout(clearError, 15000);
};
function clearError() {
  clearTimeout(errorTimer);
  $('error').replaceChildren();
  $('error').classList.remove('show');
}
const announce = (text) => {
  const el = $('announce');
  el.textContent = '';
  setTimeout(() => (el.textContent = text), 50);
};
const updateTitle = () => {
  const n = S.queue.filter((e) => e.status === 'queued').length;
  document.title = n ? `(${n}) waiting · ${BASE_TITLE}` : BASE_TITLE;
  $('queue-count').textContent = String(n);
};

// ---- sound and notifications -------------------------------------------------
const unlockAudio = () => {
  try {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!S.audio && Ctx) S.audio = new Ctx();
    if (S.audio && S.audio.state === 'suspended') S.audio.resume();
  } catch (_) {
    S.audio = null;
  }
};
const beep = () => {
  if (!S.sound || !S.audio) return;
  try {
    const ctx = S.audio;
    const t = ctx.currentTime + 0.01;
    [880, 1175].forEach((freq, i) => {
      const o = ctx.createOscillator();
      const g = ctx.createGain();
      const at = t + i * 0.16;
      o.type = 'sine';
      o.frequency.value = freq;
      g.gain.setValueAtTime(0.0001, at);
      g.gain.exponentialRampToValueAtTime(0.16, at + 0.02);
      g.gain.exponentialRampToValueAtTime(0.0001, at + 0.14);
      o.connect(g).connect(ctx.destination);
      o.start(at);
      o.stop(at + 0.16);
    });
  } catch (_) {
    /* no audio output */
  }
};
const canNotify = () => 'Notification' in window;
const updateNotifyButton = () => {
  $('notify').hidden = !(canNotify() && Notification.permission === 'default');
};
const notify = (entry) => {
  if (!canNotify() || Notification.permission !== 'granted') return;
  try {
    const p = entry.packet || {};
    const n = new Notification(`New handoff · ${PRIORITY[p.decision && p.decision.priority] || 'Normal'} priority`, {
      body: (p.summary && p.summary.issue) || 'A customer is waiting for a person.',
      tag: entry.conversation_id,
    });
    n.onclick = () => {
      window.focus();
      select(entry.conversation_id);
      n.close();
    };
  } catch (_) {
    /* notifications unavailable in this context */
  }
};

// ---- socket --------------------------------------------------------------------
const send = (frame) => {
  if (!S.ws || S.ws.readyState !== 1 || !S.welcomed) return false;
  try {
    S.ws.send(JSON.stringify({ v: 1, ...frame }));
    return true;
  } catch (_) {
    return false;
  }
};
function connect() {
  if (S.ws || S.stopped) return;
  clearTimeout(S.retryTimer);
  S.retryTimer = 0;
  const sock = openSocket(WS_URL);
  if (!sock) {
    retry();
    return;
  }
  S.ws = sock;
  S.welcomed = false;
  setConn('connecting', S.attempt ? 'Reconnecting…' : 'Connecting…');
  sock.onopen = () => {
    if (S.ws === sock) sock.send(JSON.stringify({ v: 1, type: 'hello', data: { token: S.token } }));
  };
  sock.onmessage = (e) => {
    if (S.ws !== sock) return;
    let f;
    try {
      f = JSON.parse(e.data);
    } catch (_) {
      return;
    }
    if (f && typeof f === 'object') receive(f);
  };
  sock.onclose = sock.onerror = () => {
    if (S.ws !== sock) return;
    S.ws = null;
    S.welcomed = false;
    S.actions = [];
    clearInterval(S.pingTimer);
    clearTimeout(S.deadTimer);
    try {
      sock.close();
    } catch (_) {
      /* closed */
    }
    if (!S.stopped) retry();
    if ($('take-status').textContent.endsWith('…')) $('take-status').textContent = '';
    renderPresence();
    renderTakeNext();
    renderSelected();
  };
}
function retry() {
  if (S.retryTimer || S.stopped) return;
  const delay = backoff(S.attempt++);
  setConn('offline', `Offline · retrying in ${Math.ceil(delay / 1000)} s`);
  if (!S.agent) $('login-status').textContent = 'Cannot reach the server. Retrying…';
  S.retryTimer = setTimeout(() => {
    S.retryTimer = 0;
    connect();
  }, delay);
}
const stop = () => {
  S.stopped = true;
  clearTimeout(S.retryTimer);
  S.retryTimer = 0;
  clearInterval(S.pingTimer);
  const sock = S.ws;
  S.ws = null;
  S.welcomed = false;
  if (sock) sock.close();
};

function receive(f) {
  clearTimeout(S.deadTimer);
  const d = f.data || {};
  switch (f.type) {
    case 'welcome':
      onWelcome(d);
      break;
    case 'queue':
      S.queue = Array.isArray(d.items) ? d.items : [];
      queueChanged();
      break;
    case 'queue_update':
      applyQueueUpdate(d);
      queueChanged();
      break;
    case 'handoff':
      onHandoff(d.entry);
      break;
    case 'conversation':
      onSnapshot(f.conversation_id, d);
      break;
    case 'message':
    case 'mode':
    case 'note':
    case 'csat':
    case 'ticket':
    case 'csat_request':
      onLogged(f);
      break;
    case 'ack':
      onAck(f.conversation_id, d);
      break;
    case 'preview':
      onPreview(f.conversation_id, d);
      break;
    case 'revealed':
      onRevealed(f.conversation_id, d);
      break;
    case 'error':
      onError(d, f.conversation_id);
      break;
    case 'roster':
      S.roster = Array.isArray(d.agents) ? d.agents : [];
      renderRoster();
      break;
    case 'dashboard':
      S.dashboard = d;
      renderDashboard();
      break;
    case 'sla_breach':
      if (f.conversation_id) {
        S.breached.add(f.conversation_id);
        renderQueue();
        if (S.selected === f.conversation_id) renderSelected();
        announce(`SLA breached: a ${d.priority || ''} conversation is waiting past its deadline.`);
      }
      break;
    default:
      break; // pong
  }
}

function onWelcome(d) {
  const first = !S.agent;
  S.agent = d.agent || { id: '', name: 'Agent' };
  S.welcomed = true;
  S.attempt = 0;
  S.actions = [];
  setConn('online', 'Connected');
  $('agent-name').textContent = S.agent.name;
  $('me-initials').textContent = initials(S.agent.name);
  S.canReveal = !!d.can_reveal;
  $('roster-section').hidden = !isSupervisor();
  $('dashboard-section').hidden = !isSupervisor();
  $('supervisor-link').hidden = !isSupervisor();
  if (first) {
    $('login-view').hidden = true;
    $('app').hidden = false;
    $('login').disabled = false;
    $('login-status').textContent = '';
    clearError();
    updateNotifyButton();
    announce(`Signed in as ${S.agent.name}`);
  }
  // replies typed while offline go out again with the same client_msg_id
  for (const m of S.outbox) sendReply(m);
  clearInterval(S.pingTimer);
  S.pingTimer = setInterval(() => {
    if (send({ type: 'ping', data: {} })) {
      clearTimeout(S.deadTimer);
      S.deadTimer = setTimeout(() => S.ws && S.ws.close(), 10000);
    }
  }, 25000);
  renderPresence();
  renderTakeNext();
  renderSelected();
}
const isSupervisor = () => !!S.agent && (S.agent.roles || []).some((r) => r === 'supervisor' || r === 'admin');
const me = () => (S.agent && S.agent.id) || '';
const nameOf = (id) => (S.roster.find((a) => a.id === id) || {}).name || id;
// a conversation this agent owns, or one a supervisor follows read-only
const isMine = (c) => !!c && c.mode === 'human' && (!c.agentId || c.agentId === me());
const isWatched = (c) => !!c && c.mode === 'human' && !!c.agentId && c.agentId !== me();
const pendingAction = (kind, cid) => S.actions.some((a) => a.kind === kind && (cid === undefined || a.cid === cid));
const initials = (name) =>
  String(name || '?')
    .split(/\s+/)
    .map((w) => w[0] || '')
    .join('')
    .slice(0, 2)
    .toUpperCase();

// ---- actions and their outcomes ------------------------------------------------
const ACTION_WORDS = {
  claim: 'Could not claim the conversation',
  message: 'Reply not sent',
  handback: 'Could not hand back to the bot',
  resolve: 'Could not resolve the conversation',
  claim_next: 'Could not take the next conversation',
  transfer: 'Could not transfer the conversation',
  note: 'Note not saved',
  presence: 'Could not change your status',
  watch: 'Could not watch the conversation',
  label: 'Label not saved',
  preview: 'Could not load the conversation so far',
  reveal: 'Not revealed',
};
const settle = (match) => {
  const now = Date.now();
  S.actions = S.actions.filter((a) => now - a.t < 30000);
  const i = S.actions.findIndex(match);
  return i >= 0 ? S.actions.splice(i, 1)[0] : null;
};
const act = (kind, cid, frame, id, more) => {
  if (!send({ type: kind, conversation_id: cid, ...frame })) {
    if (kind !== 'message') showError(`${ACTION_WORDS[kind]}: you are offline. Try again once reconnected.`);
    return false;
  }
  S.actions.push({ kind, cid, id, t: Date.now(), ...more });
  return true;
};
function onError(d, cid) {
  if (d.code === 'unauthorized') {
    stop();
    S.agent = null;
    showSignIn();
    showError(`Sign-in failed: ${d.message || 'unknown agent token.'}`);
    $('token').focus();
    return;
  }
  // errors name the frame they answer; without a name they answer the oldest still waiting
  const a = d.frame_type
    ? settle(
        (x) =>
          x.kind === d.frame_type &&
          (!cid || !x.cid || x.cid === cid) &&
          (!d.client_msg_id || !x.id || x.id === d.client_msg_id)
      )
    : settle(() => true);
  let prefix = d.frame_type && ACTION_WORDS[d.frame_type] ? ACTION_WORDS[d.frame_type] : 'Server error';
  if (a) {
    prefix = ACTION_WORDS[a.kind];
    if (a.kind === 'message') {
      S.outbox = S.outbox.filter((m) => m.id !== a.id);
      const c = S.convs.get(a.cid);
      const el = c && c.pending.get(a.id);
      if (el) {
        el.classList.remove('pending');
        el.classList.add('failed');
        el.dataset.error = `Not sent: ${d.message || d.code}`;
      }
    }
    if (a.kind === 'handback' || a.kind === 'resolve') renderSelected();
    if (a.kind === 'claim' || a.kind === 'watch') {
      renderQueue();
      if (S.selected) renderHead();
    }
    if (a.kind === 'claim_next') {
      $('take-status').textContent = '';
      renderTakeNext();
    }
    if (a.kind === 'presence') renderRoster();
    if (a.kind === 'note' || a.kind === 'transfer' || a.kind === 'label') renderHead();
    if (a.kind === 'reveal') $('reveal-send').disabled = false;
    if (a.kind === 'preview' && a.cid === S.selected) renderSelected();
  }
  showError(`${prefix}: ${d.message || d.code}`);
}
function onAck(cid, d) {
  const kind = d.action;
  if (kind && kind !== 'message') {
    // a claim or watch is settled by its conversation snapshot, which may come before or after
    const a =
      kind === 'claim' || kind === 'watch'
        ? null
        : settle((x) => x.kind === kind && (kind === 'claim_next' || kind === 'presence' || x.cid === cid));
    onActionDone(kind, cid, d, a);
    return;
  }
  S.outbox = S.outbox.filter((m) => m.id !== d.client_msg_id);
  settle((a) => a.kind === 'message' && a.id === d.client_msg_id);
  const c = S.convs.get(cid);
  const el = c && c.pending.get(d.client_msg_id);
  if (el && c.seen.has(d.seq)) {
    el.remove();
    c.pending.delete(d.client_msg_id);
  }
}

function onActionDone(kind, cid, d, a) {
  const c = cid && S.convs.get(cid);
  switch (kind) {
    case 'claim_next':
      $('take-status').textContent = d.taken ? '' : 'Queue is empty for your skills.';
      renderTakeNext();
      if (d.taken) {
        announce('Took the next conversation.');
        select(d.taken, true);
      }
      break;
    case 'note':
      if (a && S.selected === cid && $('note').value.trim() === a.text) $('note').value = '';
      announce('Internal note added.');
      break;
    case 'transfer':
      if (c) {
        // the server stops sending this conversation's events to us
        c.mode = 'queued';
        c.agentId = null;
        c.transferred = true;
      }
      if (S.selected === cid) $('transfer-note').value = '';
      announce('Conversation transferred.');
      renderMine();
      break;
    case 'label': {
      const status = $('label-status');
      status.textContent = `Label saved: ${LABELS[a && a.label] || 'thank you'}.`;
      if (a && a.label === 'bot_should_have_answered') $('label-article').value = '';
      clearTimeout(S.labelTimer);
      S.labelTimer = setTimeout(() => (status.textContent = ''), 8000);
      break;
    }
    default:
      break; // claim, watch (their snapshot came first), handback, resolve, presence
  }
  if (cid === S.selected) renderHead();
}

// ---- a waiting conversation's history, and values revealed from the vault ----------
function onPreview(cid, d) {
  if (!cid) return;
  settle((a) => a.kind === 'preview' && a.cid === cid);
  S.previews.set(cid, Array.isArray(d.events) ? d.events : []);
  if (S.selected === cid) renderSelected();
}
// asked once per opening: messages that arrive while it waits come with the next opening
function requestPreview(cid) {
  if (pendingAction('preview', cid)) return;
  act('preview', cid, { data: {} });
}

function openReveal(cid, placeholder) {
  if (!cid) return;
  S.revealing = { cid, placeholder };
  $('reveal-placeholder').textContent = placeholder;
  $('reveal-reason').value = '';
  $('reveal-send').disabled = !S.welcomed;
  $('reveal-form').hidden = false;
  $('reveal-reason').focus();
}
function closeReveal() {
  S.revealing = null;
  $('reveal-form').hidden = true;
}
function submitReveal() {
  const r = S.revealing;
  const reason = $('reveal-reason').value.trim();
  if (!r) return;
  if (reason.length < 3) {
    showError('Say why you need to see this value: the reason is required and goes to the audit log.');
    $('reveal-reason').focus();
    return;
  }
  if (act('reveal', r.cid, { data: { placeholder: r.placeholder, reason } }, null, { placeholder: r.placeholder })) {
    $('reveal-send').disabled = true;
  }
}
function onRevealed(cid, d) {
  if (!cid || !d.placeholder) return;
  settle((a) => a.kind === 'reveal' && a.cid === cid && a.placeholder === d.placeholder);
  if (!S.revealed.has(cid)) S.revealed.set(cid, new Map());
  S.revealed.get(cid).set(d.placeholder, String(d.value ?? ''));
  if (S.revealing && S.revealing.cid === cid && S.revealing.placeholder === d.placeholder) closeReveal();
  renderRevealed();
  announce(`${d.placeholder} revealed. The reveal is recorded in the audit log.`);
}
function renderRevealed() {
  const box = $('revealed');
  const values = S.revealed.get(S.selected);
  box.hidden = !values || !values.size;
  if (box.hidden) return box.replaceChildren();
  box.replaceChildren(
    h('h3', { class: 'revealed-title', text: 'Revealed to you (audited)' }),
    h(
      'dl',
      { class: 'facts-grid' },
      [...values].flatMap(([placeholder, value]) => [
        h('dt', { text: placeholder }),
        h('dd', { 'data-testid': 'revealed-value', 'data-placeholder': placeholder, text: value }),
      ])
    )
  );
}

// ---- conversations -------------------------------------------------------------
const ensureConv = (cid) => {
  let c = S.convs.get(cid);
  if (!c) {
    c = {
      id: cid,
      mode: 'human',
      entry: S.queue.find((e) => e.conversation_id === cid) || null,
      seen: new Set(),
      node: h('div', { class: 'lines' }),
      pending: new Map(),
      unread: 0,
      draft: '',
      lastTs: null,
      agentId: null,
      csat: null,
    };
    S.convs.set(cid, c);
  }
  return c;
};
const packetOf = (cid) => {
  const c = S.convs.get(cid);
  if (c && c.entry && c.entry.packet) return c.entry.packet;
  const q = S.queue.find((e) => e.conversation_id === cid);
  return q ? q.packet : null;
};

// The full queue comes once after hello; then only what changed: whole entries added or
// changed (replacing the one held, by conversation) and conversation ids removed.
function applyQueueUpdate(d) {
  const gone = new Set(Array.isArray(d.removed) ? d.removed : []);
  const fresh = [...(Array.isArray(d.added) ? d.added : []), ...(Array.isArray(d.changed) ? d.changed : [])];
  const byId = new Map(fresh.filter((e) => e && e.conversation_id).map((e) => [e.conversation_id, e]));
  S.queue = S.queue.filter((e) => !gone.has(e.conversation_id) && !byId.has(e.conversation_id)).concat([...byId.values()]);
  // the server's order: priority, highest first, then by when the handoff was made
  const rank = (e) => RANKS.indexOf(e.priority);
  S.queue.sort((a, b) => rank(b) - rank(a) || a.id - b.id);
}

function queueChanged() {
  for (const e of S.queue) {
    const c = S.convs.get(e.conversation_id);
    if (c && e.status === 'claimed') c.entry = e;
  }
  renderQueue();
  renderMine();
  if (S.selected && !$('card-host').contains(document.activeElement)) renderSelected();
}

function onHandoff(entry) {
  if (!entry || !entry.conversation_id) return;
  if (!S.queue.some((e) => e.conversation_id === entry.conversation_id)) S.queue.push(entry);
  S.fresh.add(entry.conversation_id);
  setTimeout(() => {
    S.fresh.delete(entry.conversation_id);
    const card = document.querySelector(`.qcard[data-conversation-id="${CSS.escape(entry.conversation_id)}"]`);
    if (card) card.classList.remove('fresh');
  }, 6000);
  renderQueue();
  // a conversation this agent just transferred comes back through here: no alert for it
  const own = pendingAction('transfer', entry.conversation_id) || isMine(S.convs.get(entry.conversation_id));
  if (!own) {
    beep();
    notify(entry);
  }
  const p = entry.packet || {};
  announce(`New handoff: ${(p.summary && p.summary.issue) || entry.conversation_id}`);
}

function onSnapshot(cid, d) {
  if (!cid) return;
  S.closed.delete(cid);
  const c = ensureConv(cid);
  if (d.mode) c.mode = d.mode;
  c.agentId = d.agent_id || null;
  c.transferred = false;
  if (d.entry) c.entry = d.entry;
  for (const ev of Array.isArray(d.events) ? d.events : []) addEvent(c, ev);
  const claimed = settle((a) => (a.kind === 'claim' || a.kind === 'watch') && a.cid === cid);
  renderMine();
  renderQueue();
  if (claimed) {
    const watching = claimed.kind === 'watch';
    announce(watching ? 'Watching the conversation, read-only.' : 'Conversation claimed. You are now talking with the customer.');
    select(cid, !watching);
  } else if (!S.selected) select(cid);
  else if (S.selected === cid) renderSelected();
}

function onLogged(f) {
  const cid = f.conversation_id;
  if (!cid || !Number.isInteger(f.seq) || S.closed.has(cid)) return;
  const c = ensureConv(cid);
  const d = f.data || {};
  const added = addEvent(c, f);
  if (f.type === 'mode' && added) {
    c.mode = d.mode;
    c.agentId = d.mode === 'human' ? d.agent_id || null : null;
    if (d.mode === 'bot') settle((a) => a.kind === 'handback' && a.cid === cid);
    if (d.mode === 'resolved') settle((a) => a.kind === 'resolve' && a.cid === cid);
  }
  if (added && cid !== S.selected && ((f.type === 'message' && d.role === 'customer') || f.type === 'csat')) c.unread++;
  renderMine();
  if (cid === S.selected) renderHead();
}

const modeWords = (d) => {
  switch (d.mode) {
    case 'queued':
      if (d.reason === 'transfer') return `Transferred${d.agent_name ? ` by ${d.agent_name}` : ''} — back in the queue`;
      if (d.reason === 'agent_disconnected') return 'The agent lost their connection — back in the queue';
      return `Handed to a person${Array.isArray(d.reasons) && d.reasons.length ? ` — ${d.reasons.map(human).join(', ')}` : ''}`;
    case 'human':
      return `${d.agent_name || 'An agent'} joined the conversation`;
    case 'bot':
      return `Handed back to the AI assistant${d.agent_name ? ` by ${d.agent_name}` : ''}`;
    case 'resolved':
      return `Resolved${d.agent_name ? ` by ${d.agent_name}` : ''}${
        d.disposition && d.disposition !== 'resolved' ? ` · ${DISPOSITIONS[d.disposition] || human(d.disposition)}` : ''
      }`;
    default:
      return `Mode: ${d.mode}`;
  }
};
const citationsLine = (cites) => {
  const list = (Array.isArray(cites) ? cites : []).filter((c) => c && (c.url || c.title));
  if (!list.length) return null;
  const p = h('p', { class: 'sources' }, 'Sources: ');
  list.forEach((c, i) => {
    if (i) p.append(', ');
    const url = safeUrl(c.url);
    p.append(
      url
        ? h('a', { href: url, target: '_blank', rel: 'noopener', text: c.title || url })
        : h('span', { text: c.title || '' })
    );
  });
  return p;
};
// an agent's message or note had personal details replaced before anyone saw or stored it
const maskedHint = (d) =>
  Array.isArray(d.redacted) && d.redacted.length
    ? h('p', { class: 'masked-hint', 'data-testid': 'masked-hint', text: `Masked for privacy: ${d.redacted.join(', ')}` })
    : '';
// notes, ratings and follow-up tickets: distinct lines the customer never sees in this form
const eventLine = (ev, seq) => {
  const d = ev.data || {};
  const time = h('time', { datetime: ev.ts || null, text: clock(ev.ts) });
  if (ev.type === 'note') {
    const body = h('div', { class: 'body' });
    withPlaceholders(body, d.text);
    body.append(maskedHint(d));
    return h(
      'div',
      { class: 'line note', 'data-testid': 'line', 'data-role': 'note', 'data-seq': seq },
      h(
        'div',
        { class: 'meta' },
        h('span', { class: 'note-tag', text: 'Internal note' }),
        h('span', { class: 'who', text: d.author_name || 'Agent' }),
        d.transfer_to ? h('span', { class: 'transfer-to', text: `→ transfer to ${d.transfer_to}` }) : null,
        time
      ),
      body
    );
  }
  const p = h('p', { class: 'event-text' });
  if (ev.type === 'csat') {
    p.append(h('strong', { text: `Customer rated ${d.score}/5` }));
    if (d.comment) withPlaceholders(p, ` — “${d.comment}”`);
  } else if (ev.type === 'ticket') {
    withPlaceholders(p, `Follow-up requested: ${d.contact || ''}${d.ticket_id != null ? ` (ticket #${d.ticket_id})` : ''}`);
  } else p.textContent = 'Rating requested from the customer';
  return h('div', { class: `line event ${ev.type}`, 'data-testid': 'line', 'data-role': ev.type, 'data-seq': seq }, p, time);
};
const lineFor = (ev, seq) => {
  if (ev.type !== 'message' && ev.type !== 'mode') return eventLine(ev, seq);
  const d = ev.data || {};
  const isMode = ev.type === 'mode';
  const role = isMode ? 'mode' : ROLE_NAMES[d.role] ? d.role : 'system';
  const el = h('div', { class: `line ${role}`, 'data-testid': 'line', 'data-role': role, 'data-seq': seq });
  if (isMode || role === 'system') {
    el.append(h('p', { class: 'event-text', text: isMode ? modeWords(d) : String(d.text ?? '') }), h('time', { text: clock(ev.ts) }));
    return el;
  }
  const who = role === 'agent' ? d.agent_name || 'Agent' : ROLE_NAMES[role];
  const body = h('div', { class: 'body' });
  if (role === 'customer') withPlaceholders(body, d.text);
  else body.append(markdown(d.text, withPlaceholders), maskedHint(d));
  el.append(
    h('div', { class: 'meta' }, h('span', { class: 'who', text: who }), h('time', { datetime: ev.ts || null, text: clock(ev.ts) })),
    body
  );
  const sources = role === 'bot' && citationsLine(d.citations);
  if (sources) el.append(sources);
  return el;
};
const place = (container, el, seq) => {
  let ref = null;
  for (const child of container.children) {
    const s = child.dataset.seq;
    if (s === undefined ? child.classList.contains('pending') || child.classList.contains('failed') : Number(s) > seq) {
      ref = child;
      break;
    }
  }
  container.insertBefore(el, ref);
};
function addEvent(c, ev) {
  const seq = ev && ev.seq;
  if (!Number.isInteger(seq) || c.seen.has(seq)) return false;
  if (!EVENT_TYPES.includes(ev.type)) return false;
  c.seen.add(seq);
  if (ev.ts) c.lastTs = ev.ts;
  const d = ev.data || {};
  if (ev.type === 'csat') c.csat = d.score;
  const box = $('transcript');
  const stick = S.selected === c.id && box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  const el = lineFor(ev, seq);
  const pending = d.role === 'agent' && d.client_msg_id && c.pending.get(d.client_msg_id);
  if (pending) {
    pending.remove();
    c.pending.delete(d.client_msg_id);
  }
  place(c.node, el, seq);
  if (stick || pending) box.scrollTop = box.scrollHeight;
  return true;
}

// ---- agent actions -----------------------------------------------------------
function claim(cid) {
  if (act('claim', cid, {})) {
    for (const b of document.querySelectorAll(`[data-claim="${CSS.escape(cid)}"]`)) {
      b.disabled = true;
      b.textContent = 'Claiming…';
    }
  }
}
function sendReply(m) {
  if (!send({ type: 'message', conversation_id: m.cid, client_msg_id: m.id, data: { text: m.text } })) return;
  S.actions = S.actions.filter((a) => a.id !== m.id);
  S.actions.push({ kind: 'message', cid: m.cid, id: m.id, t: Date.now() });
}
function submitReply() {
  const c = S.convs.get(S.selected);
  const input = $('reply');
  const text = input.value;
  if (!c || !text.trim()) return;
  if (c.mode !== 'human') {
    showError('Reply not sent: this conversation is no longer assigned to you.');
    return;
  }
  const m = { id: uuid(), cid: c.id, text };
  S.outbox.push(m);
  const el = lineFor({ type: 'message', data: { role: 'agent', text, agent_name: S.agent && S.agent.name } }, null);
  el.removeAttribute('data-seq');
  el.classList.add('pending');
  c.pending.set(m.id, el);
  c.node.append(el);
  $('transcript').scrollTop = $('transcript').scrollHeight;
  input.value = '';
  c.draft = '';
  sendReply(m);
  input.focus();
}
function finish(kind) {
  const cid = S.selected;
  const frame = kind === 'resolve' ? { data: { disposition: $('disposition').value || 'resolved' } } : {};
  if (!cid || !act(kind, cid, frame)) return;
  $('handback').disabled = $('resolve').disabled = true;
}
function takeNext() {
  $('take-status').textContent = '';
  if (act('claim_next', null, { data: {} })) {
    $('take-status').textContent = 'Looking for the next conversation…';
    renderTakeNext();
  }
}
function watch(cid) {
  if (S.convs.has(cid)) return select(cid);
  if (act('watch', cid, {})) {
    for (const b of document.querySelectorAll(`[data-watch="${CSS.escape(cid)}"]`)) {
      b.disabled = true;
      b.textContent = 'Opening…';
    }
  }
}
function setPresence(status) {
  if (status === S.status || !act('presence', null, { data: { status } })) return;
  S.status = status;
  renderPresence();
}
function submitNote() {
  const cid = S.selected;
  const text = $('note').value.trim();
  if (!cid || !text) return;
  if (act('note', cid, { data: { text } }, null, { text })) renderHead();
}
function submitTransfer() {
  const cid = S.selected;
  const to = $('transfer-to').value;
  const note = $('transfer-note').value.trim();
  if (!cid) return;
  if (!to) {
    showError('Choose an agent or a skill to transfer to.');
    $('transfer-to').focus();
    return;
  }
  if (!note) {
    showError('Write a note for the next agent: it is required and only agents see it.');
    $('transfer-note').focus();
    return;
  }
  const [kind, target] = [to.slice(0, to.indexOf(':')), to.slice(to.indexOf(':') + 1)];
  const data = kind === 'agent' ? { note, to_agent: target } : { note, to_skill: target };
  if (act('transfer', cid, { data })) renderHead();
}
function sendLabel(kind) {
  const cid = S.selected;
  if (!cid) return;
  const data = { kind };
  const article = $('label-article').value.trim();
  if (kind === 'bot_should_have_answered' && article) data.article_id = article;
  if (act('label', cid, { data }, null, { label: kind })) {
    $('label-status').textContent = 'Saving…';
    renderHead();
  }
}

// ---- rendering -----------------------------------------------------------------
const priorityChip = (p) => {
  const pr = (p && p.decision && p.decision.priority) || 'normal';
  return h('span', { class: `prio prio-${pr}`, 'data-testid': 'priority', text: PRIORITY[pr] || pr });
};
// the priority the queue orders by: the handoff's, raised one level per aging period
const effectiveChip = (e) => {
  const base = RANKS.indexOf(e.priority || (e.packet && e.packet.decision && e.packet.decision.priority) || 'normal');
  const eff = Number.isInteger(e.effective_priority) ? e.effective_priority : base;
  const name = RANKS[Math.max(0, Math.min(RANKS.length - 1, eff))];
  const text = `${PRIORITY[name]}${eff >= RANKS.length ? '+' : ''}`;
  return h(
    'span',
    {
      class: `prio prio-${name}`,
      'data-testid': 'effective-priority',
      'data-effective': eff,
      title: eff > base ? `Raised from ${PRIORITY[RANKS[base]] || 'its priority'} after waiting` : 'Priority',
    },
    text,
    eff > base ? h('span', { class: 'aged', text: ' ↑ waited' }) : null
  );
};
const isBreached = (e) => !!e && e.status === 'queued' && (!!e.breached_at || S.breached.has(e.conversation_id));
const slaOf = (e, p) => (e && e.sla_deadline) || (p && p.sla_deadline) || '';
const slaBadge = (e, p) => {
  if (isBreached(e)) return h('span', { class: 'sla-breached', 'data-testid': 'sla-breached', text: 'SLA breached' });
  if (e && e.status !== 'queued') return h('span'); // the SLA is for waiting: a claimed chat has met it
  const dl = slaOf(e, p);
  const sla = slaText(dl);
  return h('span', { class: `sla${sla.late ? ' late' : ''}`, 'data-testid': 'sla-countdown', 'data-sla': dl, text: sla.text });
};
function renderQueue() {
  const box = $('queue');
  const active = document.activeElement;
  const keep = active && box.contains(active) ? [active.closest('.qcard')?.dataset.conversationId, active.dataset.role] : null;
  box.replaceChildren();
  if (!S.queue.length) {
    box.append(h('p', { class: 'queue-empty', text: 'Nobody is waiting. New handoffs will appear here with a sound.' }));
  }
  // waiting customers first (server order: priority, then age), then ones already claimed
  const items = [...S.queue.filter((e) => e.status === 'queued'), ...S.queue.filter((e) => e.status !== 'queued')];
  for (const e of items) {
    const p = e.packet || {};
    const summary = p.summary || {};
    const reasons = (p.decision && p.decision.reasons) || [];
    const mine = S.agent && e.claimed_by === S.agent.id;
    const cid = e.conversation_id;
    const titleId = `q-${e.id}-title`;
    const skills = e.skills || (p.decision && p.decision.skills) || [];
    const lang = e.language || (p.decision && p.decision.language) || '';
    const card = h(
      'article',
      {
        class: `qcard${S.selected === cid ? ' selected' : ''}${S.fresh.has(cid) ? ' fresh' : ''}${isBreached(e) ? ' breached' : ''} status-${e.status}`,
        'data-testid': 'queue-item',
        'data-conversation-id': cid,
        'data-status': e.status,
        'aria-labelledby': titleId,
      },
      h(
        'div',
        { class: 'qtop' },
        effectiveChip(e),
        h('span', { class: 'wait', 'data-since': e.waiting_since || p.created_at || '', 'data-testid': 'waiting', text: waiting(e.waiting_since || p.created_at) })
      ),
      h(
        'h3',
        { class: 'qtitle', id: titleId },
        h('button', {
          type: 'button',
          class: 'linklike',
          'data-role': 'open',
          'aria-current': S.selected === cid ? 'true' : null,
          text: summary.issue || cid,
          onclick: () => select(cid),
        })
      ),
      h(
        'div',
        { class: 'chips' },
        reasons.map((r) => h('span', { class: `chip chip-${r.code}`, 'data-testid': 'reason-chip', title: r.detail || null, text: r.code }))
      ),
      // plain words in the line; the figures behind them are on the card, under "Details"
      (p.reasons_plain || []).length
        ? h('p', { class: 'qwords', 'data-testid': 'queue-reasons', text: `${p.reasons_plain.join('. ')}.` })
        : (p.reasons_in_words || []).length
          ? h('p', { class: 'qwords', 'data-testid': 'queue-reasons', text: p.reasons_in_words.join(' ') })
          : null,
      h(
        'p',
        { class: 'qroute' },
        lang ? h('span', { class: 'lang', 'data-testid': 'queue-language', title: 'Language', text: lang.toUpperCase() }) : null,
        skills.length
          ? h('span', { class: 'skills', 'data-testid': 'queue-skills', title: 'Skills needed' }, skills.map((k) => h('span', { class: 'skill', text: k })))
          : h('span', { class: 'muted', 'data-testid': 'queue-skills', text: 'No special skills' }),
        e.reserved_for && e.status === 'queued'
          ? h('span', { class: 'reserved', 'data-testid': 'reserved-for', text: `Reserved for ${e.reserved_for}` })
          : null
      ),
      h(
        'div',
        { class: 'qfoot' },
        slaBadge(e, p),
        e.status === 'queued'
          ? h('button', {
              type: 'button',
              class: 'btn btn-primary btn-small',
              'data-testid': 'claim',
              'data-role': 'claim',
              'data-claim': cid,
              'aria-describedby': titleId,
              text: 'Claim',
              onclick: () => claim(cid),
            })
          : h(
              'span',
              { class: 'qclaimed' },
              h('span', {
                class: 'claimed',
                'data-testid': 'claimed-by',
                text: mine ? `Claimed by you (${S.agent.name})` : `Claimed by ${e.claimed_by_name || e.claimed_by || 'another agent'}`,
              }),
              !mine && isSupervisor()
                ? h('button', {
                    type: 'button',
                    class: 'btn btn-secondary btn-small',
                    'data-testid': 'watch',
                    'data-role': 'watch',
                    'data-watch': cid,
                    'aria-describedby': titleId,
                    text: S.convs.has(cid) ? 'Open' : 'Watch',
                    onclick: () => watch(cid),
                  })
                : null
            )
      )
    );
    box.append(card);
  }
  if (keep) {
    const card = box.querySelector(`.qcard[data-conversation-id="${CSS.escape(keep[0] || '')}"]`);
    const target = card && (card.querySelector(`[data-role="${keep[1]}"]`) || card.querySelector('button'));
    if (target) target.focus();
  }
  updateTitle();
}
function renderMine() {
  const list = $('mine');
  const hadFocus = list.contains(document.activeElement) ? document.activeElement.dataset.conversationId : null;
  list.replaceChildren();
  if (!S.convs.size) {
    list.append(h('li', { class: 'queue-empty', text: 'Conversations you claim appear here.' }));
    return;
  }
  for (const c of S.convs.values()) {
    const p = packetOf(c.id);
    const issue = (p && p.summary && p.summary.issue) || c.id;
    const sel = S.selected === c.id;
    list.append(
      h(
        'li',
        null,
        h(
          'button',
          {
            type: 'button',
            class: `tab${sel ? ' selected' : ''} mode-${c.mode}`,
            'data-testid': 'conversation-tab',
            'data-conversation-id': c.id,
            'aria-current': sel ? 'true' : null,
            onclick: () => select(c.id),
          },
          h('span', { class: 'tab-title', text: issue }),
          h(
            'span',
            { class: 'tab-meta' },
            h('span', { class: `mode-dot mode-${c.mode}`, 'aria-hidden': 'true' }),
            h('span', { text: convLabel(c) }),
            c.csat != null ? h('span', { class: 'rated', 'data-testid': 'tab-rating', text: `Rated ${c.csat}/5` }) : null,
            c.unread ? h('span', { class: 'unread', 'data-testid': 'unread', text: `${c.unread} new` }) : null
          )
        )
      )
    );
  }
  if (hadFocus) {
    const b = list.querySelector(`[data-conversation-id="${CSS.escape(hadFocus)}"]`);
    if (b) b.focus();
  }
}
const modeLabel = (m) => ({ human: 'With you', bot: 'Back with the bot', resolved: 'Resolved', queued: 'Waiting' })[m] || m;
const convLabel = (c) =>
  isWatched(c) ? `Watching · ${nameOf(c.agentId)}` : c.transferred && c.mode === 'queued' ? 'Transferred' : modeLabel(c.mode);

function select(cid, focusReply) {
  const prev = S.convs.get(S.selected);
  if (prev) prev.draft = $('reply').value;
  if (cid !== S.selected) {
    // notes, transfers and labels belong to the conversation they were typed for
    for (const id of ['note', 'transfer-note', 'transfer-to', 'label-article']) $(id).value = '';
    $('label-status').textContent = '';
  }
  S.selected = cid;
  const c = S.convs.get(cid);
  if (c) c.unread = 0;
  else if (cid && S.welcomed) {
    S.previews.delete(cid);
    requestPreview(cid);
  }
  renderQueue();
  renderMine();
  renderSelected();
  if (c) {
    $('reply').value = c.draft || '';
    const box = $('transcript');
    box.scrollTop = box.scrollHeight;
    if (focusReply && c.mode === 'human') $('reply').focus();
  }
}

function renderSelected() {
  const cid = S.selected;
  const c = cid && S.convs.get(cid);
  const entry = cid && S.queue.find((e) => e.conversation_id === cid);
  const packet = cid ? packetOf(cid) : null;
  if (!c && !entry) {
    if (cid) S.selected = null;
    $('empty').hidden = false;
    $('conv').hidden = true;
    $('tools').hidden = true;
    $('card-host').replaceChildren(emptyCard());
    return;
  }
  $('empty').hidden = true;
  $('conv').hidden = false;
  const transcript = $('transcript');
  const preview = $('preview');
  if (c) {
    if (transcript.firstChild !== c.node) transcript.replaceChildren(c.node);
    transcript.hidden = false;
    preview.hidden = true;
    preview.replaceChildren();
  } else {
    transcript.hidden = true;
    transcript.replaceChildren();
    preview.hidden = false;
    // the conversation so far as the server read it when opened; else the handoff's copy
    const events = S.previews.get(cid);
    const lines = events
      ? events.filter((ev) => ev.type === 'message' || ev.type === 'mode')
      : ((packet && packet.transcript) || []).map((t) => ({ type: 'message', data: { role: t.role, text: t.text } }));
    preview.replaceChildren(
      h('p', { class: 'preview-note', text: 'The conversation so far. Claim it to follow it live and reply.' }),
      ...lines.map((ev) => {
        const el = lineFor(ev, null);
        el.removeAttribute('data-seq');
        el.dataset.testid = 'preview-line';
        return el;
      }),
      !events && pendingAction('preview', cid) ? h('p', { class: 'muted small', 'data-testid': 'preview-loading', text: 'Loading the conversation…' }) : null
    );
  }
  if (S.revealing && S.revealing.cid !== cid) closeReveal();
  renderRevealed();
  renderHead();
  $('card-host').replaceChildren(packet ? handoffCard(packet, entry || null) : emptyCard());
}

function renderHead() {
  const cid = S.selected;
  if (!cid) return;
  const c = S.convs.get(cid);
  const entry = S.queue.find((e) => e.conversation_id === cid);
  const p = packetOf(cid);
  $('conv-title').textContent = (p && p.summary && p.summary.issue) || 'Conversation';
  $('conv-sub').textContent = `Conversation ${cid}`;
  const watching = isWatched(c);
  const mode = watching ? 'watch' : c ? c.mode : entry && entry.status === 'queued' ? 'queued' : 'claimed';
  const chip = $('conv-mode');
  chip.className = `mode-chip mode-${mode}`;
  chip.textContent = c ? convLabel(c) : entry && entry.status === 'queued' ? 'Waiting in queue' : 'Claimed by another agent';
  const owned = isMine(c);
  const busy = S.actions.some((a) => a.cid === cid && (a.kind === 'handback' || a.kind === 'resolve' || a.kind === 'transfer'));
  $('handback').hidden = $('resolve-group').hidden = !owned;
  $('handback').disabled = $('resolve').disabled = $('disposition').disabled = !owned || busy || !S.welcomed;
  // internal notes: the owner, or a supervisor in any conversation open here
  $('note-form').hidden = !c || !(owned || isSupervisor());
  $('note-send').disabled = !S.welcomed || pendingAction('note', cid);
  $('tools').hidden = false;
  $('transfer-form').hidden = !owned;
  $('transfer-send').disabled = !S.welcomed || busy;
  for (const b of document.querySelectorAll('[data-label]')) b.disabled = !S.welcomed || pendingAction('label', cid);
  const pc = $('preview-claim');
  pc.hidden = !!c || !entry || entry.status !== 'queued';
  pc.dataset.claim = cid;
  pc.disabled = !S.welcomed;
  pc.textContent = 'Claim conversation';
  $('reply-form').hidden = !c || watching; // watching is read-only
  $('reply').disabled = $('reply-send').disabled = !owned;
  const banner = $('conv-banner');
  banner.hidden = !c || owned;
  if (c && !owned)
    banner.textContent = watching
      ? `You are watching ${nameOf(c.agentId)}'s conversation. Read-only: the customer does not see you.`
      : c.transferred && c.mode === 'queued'
        ? 'You transferred this conversation. It is back in the queue for the agent or skill you chose.'
        : c.mode === 'resolved'
          ? 'This conversation is resolved. If the customer writes again, the AI assistant answers first.'
          : c.mode === 'bot'
            ? 'You handed this conversation back to the AI assistant. It will come back to the queue if the customer needs a person.'
            : 'This conversation is not assigned to you.';
  if (c && !owned) {
    banner.append(
      ' ',
      h('button', {
        type: 'button',
        class: 'btn btn-quiet btn-small',
        'data-testid': 'close-conversation',
        text: 'Close tab',
        onclick: () => {
          S.convs.delete(cid);
          S.closed.add(cid); // a watched or finished chat stays closed until it is ours again
          S.selected = null;
          renderMine();
          renderQueue();
          renderSelected();
        },
      })
    );
  }
}

const emptyCard = () =>
  h(
    'div',
    { class: 'card card-empty' },
    h('h2', { class: 'card-title', text: 'Handoff card' }),
    h('p', { class: 'muted', text: 'Select a conversation to see what the customer needs, what the AI assistant already tried and why it handed off.' })
  );
const sparkline = (values) => {
  const vals = values.map(Number).filter((v) => Number.isFinite(v));
  const W = 168;
  const H = 40;
  const NS = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('width', W);
  svg.setAttribute('height', H);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `Sentiment per customer turn, from -1 to 1: ${vals.map((v) => v.toFixed(2)).join(', ')}`);
  const y = (v) => H / 2 - (Math.max(-1, Math.min(1, v)) * (H / 2 - 4));
  const x = (i) => (vals.length < 2 ? W / 2 : 4 + (i * (W - 8)) / (vals.length - 1));
  const mk = (tag, attrs) => {
    const el = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    svg.append(el);
    return el;
  };
  mk('line', { x1: 0, x2: W, y1: H / 2, y2: H / 2, class: 'zero' });
  const last = vals[vals.length - 1] ?? 0;
  const tone = last <= -0.3 ? 'neg' : last >= 0.3 ? 'pos' : 'neu';
  if (vals.length > 1) mk('polyline', { points: vals.map((v, i) => `${x(i)},${y(v)}`).join(' '), class: `trend ${tone}` });
  vals.forEach((v, i) => mk('circle', { cx: x(i), cy: y(v), r: 2.6, class: `pt ${tone}` }));
  return svg;
};
const section = (title, content, testid) =>
  h('section', { class: 'card-section' }, h('h3', { text: title }), h('div', { 'data-testid': testid || null }, content));
const list = (items, ordered, testid) => {
  const arr = (items || []).filter((x) => x != null && String(x).trim());
  if (!arr.length) return h('p', { class: 'muted small', 'data-testid': testid, text: 'Nothing recorded.' });
  return h(ordered ? 'ol' : 'ul', { class: 'plain-list', 'data-testid': testid }, arr.map((t) => {
    const li = h('li');
    withPlaceholders(li, t);
    return li;
  }));
};

// who the customer is, in one line: language, segment, whether they came back and to whom
const whoLine = (cust, decision) => {
  const lang = cust.language || decision.language;
  const parts = [cust.returning ? 'Returning customer' : 'New customer'];
  if (lang) parts.push(`writes in ${(LANGUAGES[lang] || lang.toUpperCase())}`);
  if (cust.segment && cust.segment !== 'standard') parts.push(`${cust.segment} customer`);
  if (cust.previous_agent) parts.push(`last helped by ${nameOf(cust.previous_agent)}`);
  return parts.join(' · ');
};
const waitedLine = (entry, p) => {
  const since = (entry && entry.waiting_since) || p.created_at;
  if (!entry || entry.status !== 'queued' || !since) return null;
  return h(
    'span',
    { class: 'card-wait' },
    h('span', { 'data-testid': 'card-waiting', 'data-since': since, text: waiting(since) }),
    entry.requeued_at ? h('span', { class: 'muted', 'data-testid': 'card-requeued', text: ` · back in line at ${clock(entry.requeued_at)}` }) : null
  );
};

function handoffCard(p, entry) {
  const s = p.summary || {};
  const decision = p.decision || {};
  const cust = p.customer || {};
  const deadline = slaOf(entry, p);
  const breached = isBreached(entry);
  const sla = entry ? slaText(deadline) : { text: 'Handoff closed', late: false };
  // reasons_in_words lists the reasons, then the adjustments, one sentence each, with figures
  const reasons = decision.reasons || [];
  const adjustments = decision.adjustments || [];
  const words = p.reasons_in_words || [];
  const split = words.length === reasons.length + adjustments.length ? reasons.length : words.length;
  const plain = Array.isArray(p.reasons_plain) && p.reasons_plain.length ? p.reasons_plain : reasons.map((r) => human(r.code));
  const senti = Array.isArray(s.sentiment_trajectory) ? s.sentiment_trajectory : [];
  const issue = h('p', { 'data-testid': 'summary-issue' });
  withPlaceholders(issue, s.issue || '—');
  const goal = h('p', { class: 'issue', 'data-testid': 'customer-goal' });
  withPlaceholders(goal, s.customer_goal || s.issue || '—');
  const articles = (s.articles_shown || []).filter((a) => a && (a.url || a.title));
  return h(
    'article',
    { class: 'card', 'data-testid': 'handoff-card', 'data-conversation-id': p.conversation_id, 'aria-labelledby': 'card-title' },
    h(
      'header',
      { class: 'card-head' },
      h('h2', { class: 'card-title', id: 'card-title', text: 'Handoff card' }),
      h('p', { class: 'card-who', 'data-testid': 'card-who', text: whoLine(cust, decision) }),
      h(
        'div',
        { class: 'card-meta' },
        priorityChip(p),
        entry && entry.effective_priority > RANKS.indexOf(entry.priority) ? effectiveChip(entry) : null,
        s.written_by === 'llm'
          ? h('span', { class: 'chip', 'data-testid': 'summary-source', title: 'Summary rewritten by the language model', text: 'AI summary' })
          : null,
        breached
          ? h('span', { class: 'sla-breached', 'data-testid': 'sla', text: 'SLA breached' })
          : h('span', { class: `sla${sla.late ? ' late' : ''}`, 'data-testid': 'sla', 'data-sla': entry ? deadline : null, text: sla.text }),
        waitedLine(entry, p)
      )
    ),
    section('What the customer needs', goal),
    section('Why the assistant stepped aside', [
      list(plain, false, 'reasons'),
      words.slice(0, split).length
        ? h(
            'details',
            { class: 'reason-details', 'data-testid': 'reason-details' },
            h('summary', { text: 'Details' }),
            list(words.slice(0, split), false, 'reason-figures')
          )
        : null,
    ]),
    section('What the assistant already tried', [
      list(s.what_the_bot_tried, false, 'bot-tried'),
      articles.length
        ? h('ul', { class: 'plain-list', 'data-testid': 'articles', 'aria-label': 'Articles shown' }, articles.map((a) => {
            const url = safeUrl(a.url);
            return h('li', null, 'Article shown: ', url ? h('a', { href: url, target: '_blank', rel: 'noopener', text: a.title || url }) : a.title);
          }))
        : h('p', { class: 'muted small', 'data-testid': 'articles', text: 'No articles shown.' }),
    ]),
    section('Open questions', list(s.open_questions, false, 'open-questions')),
    section('Facts collected', list(s.facts_collected, false, 'facts')),
    section('Suggested next steps', list(s.suggested_next_steps, true, 'next-steps')),
    section('First message', issue),
    adjustments.length || words.length > split
      ? section('Priority and routing adjustments', [
          h(
            'div',
            { class: 'chips' },
            adjustments.map((r) =>
              h('span', { class: 'chip chip-adjustment', 'data-testid': 'adjustment-chip', title: r.detail || null, text: r.rule || r.code })
            )
          ),
          list(words.slice(split), false, 'adjustments'),
        ])
      : null,
    section(
      'Sentiment',
      senti.length
        ? h(
            'div',
            { class: 'senti' },
            sparkline(senti),
            h('span', { class: 'senti-nums', text: senti.map((v) => Number(v).toFixed(2)).join(' → ') })
          )
        : h('p', { class: 'muted small', text: 'No sentiment recorded.' }),
      'sentiment'
    ),
    section(
      'Customer',
      h(
        'dl',
        { class: 'facts-grid' },
        h('dt', { text: 'Language' }),
        h('dd', { text: cust.language || decision.language || '—' }),
        h('dt', { text: 'Segment' }),
        h('dd', { 'data-testid': 'customer-segment', text: cust.segment || '—' }),
        h('dt', { text: 'Returning' }),
        h('dd', { 'data-testid': 'customer-returning', text: cust.returning ? 'Yes, contacted us before' : 'No' }),
        h('dt', { text: 'Previous agent' }),
        h('dd', { 'data-testid': 'previous-agent', text: cust.previous_agent ? nameOf(cust.previous_agent) : '—' }),
        ((entry && entry.skills) || decision.skills || []).length
          ? [h('dt', { text: 'Skills' }), h('dd', { 'data-testid': 'card-skills', text: ((entry && entry.skills) || decision.skills).join(', ') })]
          : null,
        entry && entry.reserved_for && entry.status === 'queued'
          ? [h('dt', { text: 'Reserved for' }), h('dd', { text: entry.reserved_for })]
          : null,
        h('dt', { text: 'Handed off' }),
        h('dd', { text: p.created_at ? new Date(p.created_at).toLocaleString() : '—' }),
        entry && entry.requeued_at ? [h('dt', { text: 'Back in line' }), h('dd', { text: new Date(entry.requeued_at).toLocaleString() })] : null,
        h('dt', { text: 'SLA deadline' }),
        h('dd', { text: deadline ? new Date(deadline).toLocaleString() : '—' }),
        h('dt', { text: 'Status' }),
        h('dd', {
          text: entry
            ? entry.status === 'queued'
              ? 'Waiting in queue'
              : `Claimed by ${S.agent && entry.claimed_by === S.agent.id ? 'you' : entry.claimed_by_name || entry.claimed_by}`
            : 'Closed',
        })
      )
    )
  );
}

// ---- team: presence, roster, transfer targets -------------------------------------
function renderPresence() {
  for (const b of document.querySelectorAll('.presence-btn')) {
    const on = b.dataset.status === S.status;
    b.setAttribute('aria-pressed', String(on));
    b.disabled = !S.welcomed;
  }
  $('app').dataset.presence = S.status;
}
function renderTakeNext() {
  const busy = pendingAction('claim_next');
  $('take-next').disabled = busy || !S.welcomed;
  $('take-next').textContent = busy ? 'Taking…' : 'Take next';
}
function renderRoster() {
  const mine = S.roster.find((a) => a.id === me());
  if (mine && mine.status !== 'offline' && !pendingAction('presence')) S.status = mine.status;
  renderPresence();
  $('roster-section').hidden = !isSupervisor();
  $('roster').replaceChildren(
    ...S.roster.map((a) =>
      h(
        'li',
        { class: `roster-item status-${a.status}`, 'data-testid': 'roster-agent', 'data-agent-id': a.id, 'data-status': a.status },
        h('span', { class: 'status-dot', 'aria-hidden': 'true' }),
        h(
          'span',
          { class: 'roster-who' },
          h('span', { class: 'roster-name', text: `${a.name}${a.id === me() ? ' (you)' : ''}` }),
          h('span', { class: 'roster-sub', text: [STATUS[a.status] || a.status, ...(a.skills || [])].join(' · ') })
        ),
        h('span', {
          class: `roster-load${a.active >= a.capacity ? ' full' : ''}`,
          'data-testid': 'roster-load',
          title: 'Active conversations / capacity',
          text: `${a.active}/${a.capacity}`,
        })
      )
    )
  );
  if (!S.roster.length) $('roster').append(h('li', { class: 'queue-empty', text: 'No agents configured.' }));
  // transfer targets: colleagues by name, or anyone with a skill
  const select = $('transfer-to');
  const keep = select.value;
  const skills = [...new Set(S.roster.flatMap((a) => a.skills || []))].sort();
  select.replaceChildren(
    h('option', { value: '', text: 'Transfer to…' }),
    h(
      'optgroup',
      { label: 'Agents' },
      S.roster
        .filter((a) => a.id !== me())
        .map((a) => h('option', { value: `agent:${a.id}`, text: `${a.name} (${STATUS[a.status] || a.status}, ${a.active}/${a.capacity})` }))
    ),
    h('optgroup', { label: 'Skills' }, skills.map((k) => h('option', { value: `skill:${k}`, text: `Anyone with ${k}` })))
  );
  if ([...select.options].some((o) => o.value === keep)) select.value = keep;
}

// ---- supervisor dashboard: pushed on every queue change; its waits tick here ----------
const dashWaits = (since) => {
  const waits = (since || []).map(parseTime).filter((t) => t != null).map((t) => Date.now() - t).sort((a, b) => a - b);
  const mid = waits.length >> 1;
  return {
    longest: waits.length ? span(waits[waits.length - 1]) : '—',
    median: waits.length ? span(waits.length % 2 ? waits[mid] : (waits[mid - 1] + waits[mid]) / 2) : '—',
  };
};
const stat = (label, value, testid) =>
  h('div', { class: 'stat' }, h('dt', { text: label }), h('dd', { 'data-testid': testid, text: String(value) }));
function renderDashboard() {
  const d = S.dashboard;
  if (!d) return;
  const waits = dashWaits(d.waiting_since);
  const today = d.median_wait_today_seconds;
  const modes = d.modes || {};
  const reasons = Array.isArray(d.escalations_today) ? d.escalations_today : [];
  $('dashboard').replaceChildren(
    h(
      'dl',
      { class: 'stats' },
      stat('Waiting now', d.waiting ?? 0, 'dash-waiting'),
      stat('With an agent', d.with_agent ?? 0, 'dash-with-agent'),
      stat('Longest wait', waits.longest, 'dash-longest-wait'),
      stat('Median wait now', waits.median, 'dash-current-wait'),
      stat('Median wait today', today == null ? '—' : span(today * 1000), 'dash-median-today'),
      stat('Claimed today', d.claimed_today ?? 0, 'dash-claimed-today')
    ),
    h('h3', { class: 'dash-title', text: 'Conversations by mode' }),
    h(
      'ul',
      { class: 'dash-list' },
      Object.keys(MODE_NAMES).map((m) =>
        h('li', { 'data-testid': 'dash-mode', 'data-mode': m }, h('span', { text: MODE_NAMES[m] }), h('strong', { text: String(modes[m] ?? 0) }))
      )
    ),
    h('h3', { class: 'dash-title', text: 'Why the AI handed over today' }),
    reasons.length
      ? h(
          'ul',
          { class: 'dash-list' },
          reasons.map((r) =>
            h('li', { 'data-testid': 'dash-reason', 'data-code': r.code }, h('span', { text: r.words || human(r.code) }), h('strong', { text: String(r.count) }))
          )
        )
      : h('p', { class: 'muted small', 'data-testid': 'dash-no-reasons', text: 'No handoffs yet today.' })
  );
}

// waiting times and SLA countdowns tick without a full re-render
setInterval(() => {
  renderDashboard();
  for (const el of document.querySelectorAll('[data-since]')) el.textContent = waiting(el.dataset.since);
  for (const el of document.querySelectorAll('[data-sla]')) {
    const s = slaText(el.dataset.sla);
    el.textContent = s.text;
    el.classList.toggle('late', s.late);
  }
}, 15000);

// ---- knowledge base: find a public article and put its link in the reply ------------
function insertLink(title, url) {
  const input = $('reply');
  if ($('reply-form').hidden || input.disabled) {
    showError('Open a conversation you are handling to insert a link into your reply.');
    return;
  }
  const link = `[${title.replace(/[[\]]/g, '')}](${url})`;
  const at = input.selectionStart ?? input.value.length;
  const before = input.value.slice(0, at);
  const after = input.value.slice(input.selectionEnd ?? at);
  const text = (before && !/\s$/.test(before) ? ' ' : '') + link + (after && !/^\s/.test(after) ? ' ' : '');
  input.value = before + text + after;
  input.focus();
  input.setSelectionRange(before.length + text.length, before.length + text.length);
  announce(`Link to “${title}” added to your reply.`);
}
const kbResult = (a, i) => {
  const url = safeUrl(a.url);
  const id = `kb-hit-${i}`;
  return h(
    'li',
    { class: 'kb-hit', 'data-testid': 'kb-result', 'data-article-id': a.article_id },
    h('h3', { class: 'kb-title', id }, url ? h('a', { href: url, target: '_blank', rel: 'noopener', text: a.title }) : a.title),
    a.section && a.section !== a.title ? h('p', { class: 'kb-section muted small', text: a.section }) : null,
    h('p', { class: 'kb-snippet', 'data-testid': 'kb-snippet', text: a.snippet }),
    url
      ? h('button', {
          type: 'button',
          class: 'btn btn-secondary btn-small',
          'data-testid': 'kb-insert',
          'aria-describedby': id,
          text: 'Insert link',
          onclick: () => insertLink(a.title, url),
        })
      : null
  );
};
async function searchKb() {
  const q = $('kb-query').value.trim();
  if (!q || !S.token) return;
  const mine = ++S.kbSearch;
  $('kb-status').textContent = 'Searching…';
  let hits;
  try {
    const res = await fetch(`/v1/agent/kb/search?k=5&q=${encodeURIComponent(q)}`, {
      headers: { authorization: `Bearer ${S.token}` },
    });
    if (!res.ok) throw new Error(res.status === 403 ? 'your sign-in was refused' : `server answered ${res.status}`);
    hits = await res.json();
  } catch (err) {
    if (mine === S.kbSearch) $('kb-status').textContent = `Search failed: ${err.message || 'network error'}.`;
    return;
  }
  if (mine !== S.kbSearch) return;
  $('kb-status').textContent = hits.length
    ? `${hits.length} public article${hits.length === 1 ? '' : 's'} for “${q}”.`
    : `No public article matches “${q}”.`;
  $('kb-results').replaceChildren(...hits.map(kbResult));
}

// ---- wiring ------------------------------------------------------------------
onSignIn(showError, (token) => {
  unlockAudio(); // a click is the only moment browsers let us prepare sound
  clearError();
  S.token = token;
  S.stopped = false;
  S.attempt = 0;
  connect();
});
$('signout').addEventListener('click', () => {
  stop();
  S.agent = null;
  S.token = null;
  $('token').value = ''; // the next person at this screen types their own
  S.queue = [];
  S.convs.clear();
  S.outbox = [];
  S.selected = null;
  S.roster = [];
  S.breached.clear();
  S.closed.clear();
  S.status = 'available';
  S.dashboard = null;
  S.kbSearch++;
  S.canReveal = false;
  S.previews.clear();
  S.revealed.clear();
  closeReveal();
  $('revealed').replaceChildren();
  $('dashboard').replaceChildren();
  $('kb-results').replaceChildren();
  $('kb-status').textContent = '';
  $('kb-query').value = '';
  $('take-status').textContent = '';
  showSignIn();
  document.title = BASE_TITLE;
  $('token').focus();
});
$('notify').addEventListener('click', async () => {
  unlockAudio();
  if (!canNotify()) return;
  try {
    await Notification.requestPermission();
  } catch (_) {
    /* denied */
  }
  updateNotifyButton();
});
$('sound').addEventListener('click', () => {
  S.sound = !S.sound;
  unlockAudio();
  $('sound').setAttribute('aria-pressed', String(S.sound));
  $('sound').textContent = S.sound ? 'Sound on' : 'Sound off';
});
$('preview-claim').addEventListener('click', () => S.selected && claim(S.selected));
$('reveal-form').addEventListener('submit', (e) => {
  e.preventDefault();
  submitReveal();
});
$('reveal-cancel').addEventListener('click', closeReveal);
$('handback').addEventListener('click', () => finish('handback'));
$('resolve').addEventListener('click', () => finish('resolve'));
$('take-next').addEventListener('click', takeNext);
for (const b of document.querySelectorAll('.presence-btn')) b.addEventListener('click', () => setPresence(b.dataset.status));
$('note-form').addEventListener('submit', (e) => {
  e.preventDefault();
  submitNote();
});
$('transfer-form').addEventListener('submit', (e) => {
  e.preventDefault();
  submitTransfer();
});
for (const b of document.querySelectorAll('[data-label]')) b.addEventListener('click', () => sendLabel(b.dataset.label));
$('kb-form').addEventListener('submit', (e) => {
  e.preventDefault();
  searchKb();
});
$('reply-form').addEventListener('submit', (e) => {
  e.preventDefault();
  submitReply();
});
// the customer sees "<name> is typing…": told at most every 2 s, only while writing to a
// conversation this agent handles (the server checks and throttles too)
let typingSentAt = 0;
$('reply').addEventListener('input', () => {
  const c = S.convs.get(S.selected);
  if (!c || c.mode !== 'human' || !$('reply').value.trim() || Date.now() - typingSentAt < 2000) return;
  if (send({ type: 'typing', conversation_id: S.selected, data: {} })) typingSentAt = Date.now();
});
$('reply').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
    e.preventDefault();
    submitReply();
  }
});
window.addEventListener('online', () => {
  if (!S.stopped && !S.ws) {
    clearTimeout(S.retryTimer);
    S.retryTimer = 0;
    connect();
  }
});
renderSelected();
renderMine();
