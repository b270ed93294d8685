// nginx's realip module as the gateway reads it: the rightmost address, walked leftwards with recursive while trusted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipList } from '../../src/http/ip-list.ts';
import { realIp } from '../../src/http/real-ip.ts';

const trusted = ipList(['10.0.0.0/8', '::1']);

const ROWS: readonly [string | undefined, boolean, string][] = [
  [undefined, false, '10.0.0.1'],
  ['1.2.3.4', false, '1.2.3.4'],
  ['1.2.3.4, 10.0.0.7', false, '10.0.0.7'],
  ['1.2.3.4, 10.0.0.7', true, '1.2.3.4'],
  ['5.6.7.8, 1.2.3.4, 10.0.0.7', true, '1.2.3.4'],
  ['10.0.0.9, 10.0.0.7', true, '10.0.0.9'],
  ['1.2.3.4:8080', false, '1.2.3.4'],
  ['[2001:db8::1]:443', false, '2001:db8::1'],
  ['2001:db8::1', false, '2001:db8::1'],
  // An address nginx cannot read ends the walk, keeping the one before.
  ['not-an-ip', false, '10.0.0.1'],
  ['1.2.3.4, junk, 10.0.0.7', true, '10.0.0.7'],
  ['1.2.3.4,,  10.0.0.7 ,', true, '1.2.3.4'],
];

for (const [value, recursive, expected] of ROWS) {
  test(`realIp(${JSON.stringify(value)}, recursive ${recursive}) is ${expected}`, () => {
    assert.equal(realIp('10.0.0.1', value, trusted, recursive), expected);
  });
}
