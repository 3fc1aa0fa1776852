/* The answer's preview as the model writes it (`delta` frames): the pieces add up in one
   row, and a piece with index 0 starts the preview again, as the server streams a turn it
   runs once more after its worker died, so the customer never reads the same words twice. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { page } from './page.mjs';

test('a preview that starts again at index 0 replaces the text shown, in the same row', () => {
  const { sockets, $ } = page();
  $('launcher').click();
  const socket = sockets[0];
  socket.open();
  socket.receive({ type: 'welcome', conversation_id: 'c1', data: { token: 't', mode: 'bot', last_seq: 0 } });
  const piece = (index, text) => socket.receive({ type: 'delta', conversation_id: 'c1', data: { for_seq: 1, index, text } });
  const shown = () => [...$('messages').querySelectorAll('[data-testid="streaming"]')].map((row) => row.textContent);

  piece(0, 'Hold the button ');
  piece(1, 'for ten');
  assert.deepEqual(shown(), ['Hold the button for ten']);

  // The worker writing it died; the turn runs again and streams its answer from the start.
  piece(0, 'Hold the button ');
  assert.deepEqual(shown(), ['Hold the button ']);
  piece(1, 'for ten seconds.');
  assert.deepEqual(shown(), ['Hold the button for ten seconds.']);
});
