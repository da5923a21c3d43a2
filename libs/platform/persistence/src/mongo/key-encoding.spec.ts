import { decodeFields, encodeFields, escapeKey, unescapeKey } from './key-encoding';

describe('key encoding for MongoDB field names', () => {
  it('when keys hold ".", "$", "%" or NUL, then the escaped form has none of "." "$" NUL and decodes back', () => {
    for (const key of ['a.b', '$where', '100%', '%2E', 'x\u0000y', 'plain', '', '..$$%%']) {
      const escaped = escapeKey(key);
      expect(escaped).not.toMatch(/[.$]/);
      expect(escaped.includes('\u0000')).toBe(false);
      expect(unescapeKey(escaped)).toBe(key);
    }
  });

  it('when two different keys are escaped, then they stay different (one-to-one)', () => {
    expect(escapeKey('a.b')).not.toBe(escapeKey('a%2Eb'));
  });

  it('when a document is encoded, then nested keys change but top-level names, dates and buffers do not', () => {
    const releasedAt = new Date(0);
    const blob = Buffer.from([1, 2, 3]);
    const fields = { metadata: { 'a.b': { $c: [{ 'd.e': 1 }] } }, releasedAt, blob };

    const encoded = encodeFields(fields);

    expect(Object.keys(encoded)).toEqual(['metadata', 'releasedAt', 'blob']);
    expect(encoded['metadata']).toEqual({ 'a%2Eb': { '%24c': [{ 'd%2Ee': 1 }] } });
    expect(encoded['releasedAt']).toBe(releasedAt);
    expect(encoded['blob']).toBe(blob);
    expect(decodeFields(encoded)).toEqual(fields);
  });
});
