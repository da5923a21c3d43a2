import { processedEventKey } from './mongo-processed-event-store';

describe('processed event keys', () => {
  it('when group and event ids contain the separator, then different pairs still get different keys', () => {
    const pairs: Array<[string, string]> = [
      ['a:b', 'c'],
      ['a', 'b:c'],
      ['a', ':b:c'],
      ['', 'a:b:c'],
      ['a:b:c', ''],
      ['1:a', 'b'],
    ];
    const keys = pairs.map(([group, eventId]) => processedEventKey(group, eventId));
    expect(new Set(keys).size).toBe(pairs.length);
    expect(processedEventKey('billing', '0b9e…')).toBe('7:billing:0b9e…');
  });

  it('when keys are built, then they start with a digit, unlike the store’s meta documents', () => {
    expect(processedEventKey('g', 'e')).toMatch(/^\d/);
  });
});
