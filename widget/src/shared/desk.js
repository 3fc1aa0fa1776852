/* What the two desk pages (agent console, supervisors' page) share beyond DOM helpers: the
   connection badge and the sign-in form, whose element ids both pages' HTML uses. */
import { $ } from './dom.js';

/** The connection badge: `state` (online, connecting, offline) for its colour, `text` to read. */
export const setConn = (state, text) => {
  $('conn').dataset.state = state;
  $('conn-text').textContent = text;
};

/** Wires the sign-in form: an empty token is answered with `showError` and the field
    focused; any other locks the form, says "Signing in…" and goes to `start(token)`. */
export const onSignIn = (showError, start) =>
  $('login-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const token = $('token').value.trim();
    if (!token) {
      showError('Enter your agent token to sign in.');
      $('token').focus();
      return;
    }
    $('login').disabled = true;
    $('login-status').textContent = 'Signing in…';
    start(token);
  });

/** Back to the sign-in form after a sign-out or a refused token: the app hidden, the form
    usable again. */
export const showSignIn = () => {
  $('app').hidden = true;
  $('login-view').hidden = false;
  $('login').disabled = false;
  $('login-status').textContent = '';
};
