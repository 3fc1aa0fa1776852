/* How long to wait before reconnecting a WebSocket: doubling from half a second up to ten
   seconds, jittered by ±25 % so clients cut off together do not all return in the same instant. */

/** The delay in ms before reconnect number `attempt` (0 for the first); `random` is
    injectable so tests can pin the jitter. */
export const backoff = (attempt, random = Math.random) => {
  const base = Math.min(10000, 500 * 2 ** Math.min(attempt, 5));
  return Math.min(10000, base * (0.75 + random() * 0.5));
};
