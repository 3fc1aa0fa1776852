/* The widget's outbox when the server is too busy to read a message: the message stays
   (nothing was stored), the customer is told with the way to a person, and the same frame
   goes out again later, waiting longer each time, until it is acknowledged. The served
   bundle runs in a DOM with a stand-in WebSocket and a clock the test moves. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { page } from './page.mjs';

test('a message refused as busy stays in the outbox and is sent again, with the same id, until acknowledged', () => {
  const { window, clock, sockets, $ } = page();
  $('launcher').click();
  const socket = sockets[0];
  socket.open();
  assert.equal(socket.sent[0].type, 'hello');
  socket.receive({ type: 'welcome', conversation_id: 'c1', data: { token: 't', mode: 'bot', last_seq: 0 } });

  $('input').value = 'where is my order?';
  $('send').click();
  const sent = socket.sent.filter((f) => f.type === 'message');
  assert.equal(sent.length, 1);
  const id = sent[0].client_msg_id;
  const busy = (n) =>
    socket.receive({ type: 'error', data: { code: 'busy', message: 'busy', frame_type: 'message', client_msg_id: id } });

  busy();
  assert.equal(window.Warmline.state().outbox, 1, 'kept: nothing of it was stored');
  const bar = $('connection');
  assert.equal(bar.hidden, false);
  assert.equal(bar.dataset.state, 'busy');
  assert.match(bar.textContent, /answering a lot of customers.*“Talk to a person”/);
  const row = $('messages').querySelector('.pending');
  assert.ok(row.classList.contains('busy'));

  // Sent again after the backoff (0.5 s ± 25 % the first time), not before.
  clock.advance(370);
  assert.equal(socket.sent.filter((f) => f.type === 'message').length, 1);
  clock.advance(300);
  let resent = socket.sent.filter((f) => f.type === 'message');
  assert.equal(resent.length, 2);
  assert.deepEqual(resent[1], sent[0]);

  // Refused again: the next try waits longer (1 s ± 25 %).
  busy();
  clock.advance(700);
  assert.equal(socket.sent.filter((f) => f.type === 'message').length, 2);
  clock.advance(600);
  resent = socket.sent.filter((f) => f.type === 'message');
  assert.equal(resent.length, 3);
  assert.deepEqual(resent[2], sent[0]);

  // "Talk to a person" still goes out at once while the message waits.
  $('talk-to-person').click();
  assert.equal(socket.sent.at(-1).type, 'request_human');

  // Read at last: acknowledged, the busy state ends and nothing more is sent.
  socket.receive({ type: 'ack', conversation_id: 'c1', data: { client_msg_id: id, seq: 1, duplicate: false } });
  assert.equal(bar.hidden, true);
  assert.ok(!row.classList.contains('busy'));
  clock.advance(60_000);
  assert.equal(socket.sent.filter((f) => f.type === 'message').length, 3);
  assert.equal(window.Warmline.state().outbox, 1, 'only the request for a person awaits its ack');
});
