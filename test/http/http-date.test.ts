import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatHttpDate, parseHttpDate } from '../../src/http/http-date.js';

// RFC 9110 §5.6.7's example instant, in all three formats.
const T = 784111777;

describe('formatHttpDate', () => {
  it('formats an IMF-fixdate', () => assert.equal(formatHttpDate(T), 'Sun, 06 Nov 1994 08:49:37 GMT'));
  it('pads day and time', () => assert.equal(formatHttpDate(0), 'Thu, 01 Jan 1970 00:00:00 GMT'));
  it('gives every second its own date, asked again and again among thousands of others', () => {
    // More distinct seconds than the formatted dates it keeps, each asked twice, apart and in a row.
    const seconds = Array.from({ length: 3000 }, (_, i) => T + i * 86_461);
    for (const round of [1, 2]) {
      for (const t of seconds) {
        const expected = new Date(t * 1000).toUTCString();
        assert.equal(formatHttpDate(t), expected, `round ${round}, ${t}`);
        assert.equal(formatHttpDate(t), expected);
      }
    }
    assert.equal(formatHttpDate(T), 'Sun, 06 Nov 1994 08:49:37 GMT');
  });
});

describe('parseHttpDate', () => {
  const valid: [string, number][] = [
    ['Sun, 06 Nov 1994 08:49:37 GMT', T],
    ['Sunday, 06-Nov-94 08:49:37 GMT', T], // obsolete RFC 850
    ['Sun Nov  6 08:49:37 1994', T], // obsolete asctime
    ['Thu, 01 Jan 1970 00:00:00 GMT', 0],
    ['Wednesday, 01-Jan-30 00:00:00 GMT', Date.UTC(2030, 0, 1) / 1000],
    ['  Sun, 06 Nov 1994 08:49:37 GMT  ', T],
  ];
  for (const [value, expected] of valid) it(`reads ${JSON.stringify(value)}`, () => assert.equal(parseHttpDate(value), expected));

  const invalid = [
    undefined,
    '',
    '784111777',
    '1994-11-06T08:49:37Z',
    'Sun, 06 Nov 1994 08:49:37 UTC',
    'Sun, 6 Nov 1994 08:49:37 GMT',
    'Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT', // a list is not a date
    'Sun, 31 Feb 1994 08:49:37 GMT',
    'Sun, 06 Foo 1994 08:49:37 GMT',
    'Sun, 06 Nov 1994 25:49:37 GMT',
    'garbage',
  ];
  for (const value of invalid) it(`refuses ${JSON.stringify(value)}`, () => assert.equal(parseHttpDate(value), undefined));

  it('round-trips', () => {
    for (const t of [0, T, 1700000000, 4102444800]) assert.equal(parseHttpDate(formatHttpDate(t)), t);
  });
});
