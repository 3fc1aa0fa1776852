/* Reconnect delays: doubling from half a second, capped at ten, jittered within ±25 %. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoff } from '../src/shared/backoff.js';

test('the delay doubles per attempt up to the cap, at the middle of the jitter', () => {
  const mid = () => 0.5;
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 50].map((n) => backoff(n, mid)), [500, 1000, 2000, 4000, 8000, 10000, 10000, 10000]);
});

test('the jitter spans 75 % to 125 % of the base and never passes ten seconds', () => {
  assert.equal(backoff(0, () => 0), 375);
  assert.equal(backoff(0, () => 1), 625);
  assert.equal(backoff(4, () => 1), 10000);
  assert.equal(backoff(9, () => 0), 7500);
});
