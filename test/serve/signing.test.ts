import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDuration, signQuery, verifyQuery } from '../../src/serve/signing.js';

const NOW = 1_800_000_000;
const q = (s: string) => new URLSearchParams(s);

describe('signed URLs', () => {
  const token = signQuery('clips/a.mp4', 'secret-1', { expires: NOW + 60 });

  it('a token opens its key until it expires', () => {
    assert.match(token, /^exp=1800000060&sig=[A-Za-z0-9_-]{43}$/);
    assert.equal(verifyQuery('clips/a.mp4', q(token), ['secret-1'], NOW), 'ok');
    assert.equal(verifyQuery('clips/a.mp4', q(token), ['secret-1'], NOW + 60), 'ok');
    assert.equal(verifyQuery('clips/a.mp4', q(token), ['secret-1'], NOW + 61), 'expired');
  });

  it('it opens nothing else, and nothing with another secret', () => {
    assert.equal(verifyQuery('clips/b.mp4', q(token), ['secret-1'], NOW), 'invalid');
    assert.equal(verifyQuery('clips/a.mp4', q(token), ['secret-2'], NOW), 'invalid');
  });

  it('tampering with the expiry or the signature is refused', () => {
    assert.equal(verifyQuery('clips/a.mp4', q(token.replace('exp=1800000060', 'exp=1900000000')), ['secret-1'], NOW), 'invalid');
    const sig = q(token).get('sig')!;
    const flipped = `${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
    assert.equal(verifyQuery('clips/a.mp4', q(`exp=${NOW + 60}&sig=${flipped}`), ['secret-1'], NOW), 'invalid');
    for (const bad of ['exp=1&sig=short', `exp=abc&sig=${sig}`, `sig=${sig}`, 'exp=1', `exp=-1&sig=${sig}`]) {
      assert.equal(verifyQuery('clips/a.mp4', q(bad), ['secret-1'], NOW), 'invalid', bad);
    }
  });

  it('an expired forgery is "invalid", not "expired": a 410 would confirm the forgery was close', () => {
    const forged = `exp=${NOW - 10}&sig=${'A'.repeat(43)}`;
    assert.equal(verifyQuery('clips/a.mp4', q(forged), ['secret-1'], NOW), 'invalid');
  });

  it('no token at all is "missing"', () => assert.equal(verifyQuery('a.mp4', q('download=1'), ['s'], NOW), 'missing'));

  it('a prefix token opens everything under its folder, and only that', () => {
    const folder = signQuery('', 'secret-1', { expires: NOW + 60, prefix: 'clips/' });
    assert.match(folder, /^exp=\d+&scope=clips%2F&sig=/);
    for (const key of ['clips/a.mp4', 'clips/a.en.vtt', 'clips/deeper/b.webm']) {
      assert.equal(verifyQuery(key, q(folder), ['secret-1'], NOW), 'ok', key);
    }
    for (const key of ['clips-private/a.mp4', 'other/a.mp4', 'a.mp4']) {
      assert.equal(verifyQuery(key, q(folder), ['secret-1'], NOW), 'invalid', key);
    }
    const everything = signQuery('', 'secret-1', { expires: NOW + 60, prefix: '' });
    assert.equal(verifyQuery('any/thing.mp4', q(everything), ['secret-1'], NOW), 'ok');
  });

  it('a key token cannot be passed off as a prefix token', () => {
    const keyToken = q(signQuery('clips/', 's', { expires: NOW + 60 }));
    keyToken.set('scope', 'clips/');
    assert.equal(verifyQuery('clips/a.mp4', keyToken, ['s'], NOW), 'invalid');
  });

  it('prefixes must end with "/" so "clips" cannot open "clips-private/"', () => {
    assert.throws(() => signQuery('', 's', { expires: NOW, prefix: 'clips' }), /must be "" or end with "\/"/);
  });

  it('key rotation: tokens signed with the old secret keep working while it is still accepted', () => {
    const old = signQuery('a.mp4', 'old', { expires: NOW + 60 });
    assert.equal(verifyQuery('a.mp4', q(old), ['new', 'old'], NOW), 'ok');
    assert.equal(verifyQuery('a.mp4', q(old), ['new'], NOW), 'invalid');
  });

  it('durations', () => {
    assert.deepEqual(['90', '90s', '15m', '1h', '7d', 'x', '1w', ''].map(parseDuration), [
      90,
      90,
      900,
      3600,
      604800,
      undefined,
      undefined,
      undefined,
    ]);
  });
});
