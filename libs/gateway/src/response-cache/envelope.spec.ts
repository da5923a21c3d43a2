import { DecodedHeaders, decodeStored, encodeEntry, encodeVariants } from './envelope';

const entry = {
  statusCode: 203,
  headers: { 'content-type': 'application/octet-stream', link: ['<a>; rel="next"', '<b>; rel="prev"'] },
  body: Buffer.from([0, 255, 1, 254, 0x22, 0x5c]),
  storedAt: 1_767_225_600_123,
  freshUntil: 1_767_225_660_123,
  staleUntil: 1_767_225_690_123,
  generation: 'g-4f2a',
};

describe('stored entry envelope', () => {
  it('when an entry is encoded and decoded, then status, headers, binary body, times and generation round-trip exactly', () => {
    expect(decodeStored(encodeEntry(entry))).toEqual({ kind: 'entry', entry });
    expect(decodeStored(encodeEntry({ ...entry, generation: '' }))).toEqual({ kind: 'entry', entry: { ...entry, generation: '' } });
  });

  it('when a body is stored, then it is appended raw (no base64): the envelope is the body plus a small header', () => {
    const body = Buffer.alloc(100_000, 7);
    const encoded = encodeEntry({ ...entry, body });
    expect(encoded.length - body.length).toBeLessThan(150);
  });

  it('when a variants record is encoded and decoded, then the Vary names round-trip', () => {
    expect(decodeStored(encodeVariants({ vary: ['accept', 'accept-language'] }))).toEqual({
      kind: 'variants',
      record: { vary: ['accept', 'accept-language'] },
    });
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['an unknown version', Buffer.from([9, 1, 2, 3])],
    ['a truncated entry', encodeEntry(entry).subarray(0, 20)],
    ['headers longer than the value', Buffer.concat([encodeEntry(entry).subarray(0, 27), Buffer.from([0, 0xff, 0xff, 0xff, 0xff])])],
    ['garbage JSON headers', Buffer.concat([encodeEntry(entry).subarray(0, 27), Buffer.from([0, 0, 0, 0, 3]), Buffer.from('{{{')])],
    ['a variants record without names', Buffer.concat([Buffer.from([2]), Buffer.from('[]')])],
    ['plain text someone else stored', Buffer.from('hello')],
  ])('when the stored value is %s, then it decodes to null (a miss), never an error', (_what, value) => {
    expect(decodeStored(value)).toBeNull();
  });
});

describe('DecodedHeaders', () => {
  const entry = (headers: Record<string, string>, storedAt = 1_000) =>
    encodeEntry({ statusCode: 200, headers, body: Buffer.from('{}'), storedAt, freshUntil: 2_000, staleUntil: 3_000, generation: 'g1' });

  it('when the same entry is decoded again, then its headers are parsed once and shared, frozen', () => {
    const decoded = new DecodedHeaders();
    const first = decodeStored(entry({ 'content-type': 'application/json' }), decoded);
    const second = decodeStored(entry({ 'content-type': 'application/json' }), decoded);
    if (first?.kind !== 'entry' || second?.kind !== 'entry') throw new Error('expected entries');
    expect(second.entry.headers).toBe(first.entry.headers);
    expect(Object.isFrozen(second.entry.headers)).toBe(true);
  });

  it('when another entry has the same storedAt, then its own headers are decoded (compared byte for byte)', () => {
    const decoded = new DecodedHeaders();
    decodeStored(entry({ 'content-type': 'application/json' }), decoded);
    const other = decodeStored(entry({ 'content-type': 'text/plain' }), decoded);
    expect(other).toMatchObject({ kind: 'entry', entry: { headers: { 'content-type': 'text/plain' } } });
  });
});
