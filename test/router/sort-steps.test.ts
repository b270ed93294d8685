import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sortSteps } from '../../src/router/sort-steps.ts';

test('sortSteps: the order of a stable Array.prototype.sort, in steps', () => {
  const items = Array.from({ length: 5003 }, (_, i) => ({ key: (i * 7919) % 97, i }));
  const compare = (a: { key: number }, b: { key: number }) => a.key - b.key;
  const steps = sortSteps([...items], compare, 100);
  let yields = 0;
  let step = steps.next();
  while (!step.done) {
    yields++;
    step = steps.next();
  }
  assert.ok(yields > 50);
  assert.deepEqual(step.value, [...items].sort(compare));
});
