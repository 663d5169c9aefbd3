// Luhn over windows of a long digit run (the payment guard's digit-view search) must agree with
// the plain Luhn check on every window.
import test from 'ava';
import { luhnValid, luhnWindows } from '../../src/classify/check-digits.ts';

test('luhnWindows agrees with luhnValid on every window of a long run', (t) => {
  // A fixed pseudo-random run (linear congruential), with known card numbers embedded.
  let seed = 12345;
  let run = '';
  for (let i = 0; i < 400; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    run += String(seed % 10);
  }
  run = `${run.slice(0, 100)}4111111111111111${run.slice(100, 250)}378282246310005${run.slice(250)}`;
  const windowValid = luhnWindows(run);
  let checked = 0;
  for (let start = 0; start < run.length; start++) {
    for (let end = start + 2; end <= Math.min(run.length, start + 19); end++) {
      if (windowValid(start, end) !== luhnValid(run.slice(start, end))) {
        t.fail(`window ${start}..${end} disagrees`);
        return;
      }
      checked++;
    }
  }
  t.true(windowValid(100, 116));
  t.true(windowValid(266, 281));
  t.true(checked > 7000);
});
