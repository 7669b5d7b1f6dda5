import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BufferPool, MAX_BUFFER, MIN_BUFFER } from '../../src/serve/buffer-pool.js';

describe('BufferPool', () => {
  it('hands out power-of-two buffers of at least the length asked, from 16 KiB to 1 MiB', () => {
    const pool = new BufferPool();
    assert.equal(pool.take(2).length, MIN_BUFFER);
    assert.equal(pool.take(MIN_BUFFER).length, MIN_BUFFER);
    assert.equal(pool.take(MIN_BUFFER + 1).length, 2 * MIN_BUFFER);
    assert.equal(pool.take(983_040).length, MAX_BUFFER);
    assert.equal(pool.outstanding, 4);
    assert.equal(pool.outstandingBytes, MIN_BUFFER * 4 + MAX_BUFFER);
  });

  it('gives the same buffer again once it is back, and creates only what is missing', () => {
    const pool = new BufferPool();
    const a = pool.take(64 * 1024);
    const b = pool.take(64 * 1024);
    assert.notEqual(a, b);
    pool.give(a);
    assert.equal(pool.take(40_000), a);
    assert.equal(pool.created, 2);
    pool.give(a);
    pool.give(b);
    assert.equal(pool.outstanding, 0);
    assert.equal(pool.outstandingBytes, 0);
    assert.equal(pool.idleBytes, 128 * 1024);
  });

  it('refuses sizes past 1 MiB and keeps no buffer that is not of its sizes', () => {
    const pool = new BufferPool();
    assert.throws(() => pool.take(MAX_BUFFER + 1), RangeError);
    pool.take(MIN_BUFFER);
    pool.give(Buffer.alloc(20_000));
    assert.equal(pool.idleBytes, 0);
    assert.equal(pool.take(MIN_BUFFER + 1).length, 2 * MIN_BUFFER);
  });

  it('keeps at most maxFree bytes waiting', () => {
    const pool = new BufferPool(3 * MIN_BUFFER);
    const taken = [1, 2, 3, 4, 5].map(() => pool.take(MIN_BUFFER));
    for (const buffer of taken) pool.give(buffer);
    assert.equal(pool.idleBytes, 3 * MIN_BUFFER);
    assert.equal(pool.outstanding, 0);
  });

  it('makes room for the size in use by dropping idle buffers of other sizes', () => {
    const pool = new BufferPool(4 * MIN_BUFFER);
    const big = pool.take(4 * MIN_BUFFER);
    const small = [1, 2, 3].map(() => pool.take(MIN_BUFFER));
    pool.give(big);
    assert.equal(pool.idleBytes, 4 * MIN_BUFFER);
    for (const buffer of small) pool.give(buffer);
    assert.equal(pool.idleBytes, 3 * MIN_BUFFER, 'the idle 64 KiB buffer made way');
    const created = pool.created;
    [1, 2, 3].map(() => pool.take(MIN_BUFFER));
    assert.equal(pool.created, created, 'the small ones are reused');
  });
});
