import { randomBytes } from 'node:crypto';
import { encodeKeySegment, isKeyOf, tenantKey, tenantKeyPattern } from './keys';

describe('tenant cache keys', () => {
  it('when a key is built, then it carries the tenant as a Redis Cluster hash tag and the namespace as its own segment', () => {
    expect(tenantKey('ten_42', 'responses', 'GET', '/plans?a=1')).toBe('tnt:{ten_42}:responses:GET:%2Fplans%3Fa%3D1');
    expect(tenantKeyPattern('ten_42')).toBe('tnt:{ten_42}:*');
    expect(tenantKeyPattern('ten_42', 'responses')).toBe('tnt:{ten_42}:responses:*');
  });

  it('when segments hold separators, braces, glob characters or "%", then none survive unencoded', () => {
    const encoded = encodeKeySegment('a:b{c}*?[d]%\\ é');
    expect(encoded).toMatch(/^[A-Za-z0-9_.%-]+$/);
    expect(encoded).toBe('a%3Ab%7Bc%7D%2A%3F%5Bd%5D%25%5C%20%C3%A9');
  });

  it('when thousands of random argument lists are turned into keys, then different lists never share a key', () => {
    const alphabet = ['a', 'b', ':', '{', '}', '%', '3A', '*', ''];
    const pick = (): string => Array.from({ length: randomBytes(1)[0] % 4 }, () => alphabet[randomBytes(1)[0] % alphabet.length]).join('');
    const seen = new Map<string, string>();
    for (let index = 0; index < 5000; index += 1) {
      const args = [pick() || 't', pick() || 'n', pick(), ...(index % 2 ? [pick()] : [])] as [string, string, string, ...string[]];
      const key = tenantKey(...args);
      const identity = JSON.stringify(args);
      expect(seen.get(key) ?? identity).toBe(identity);
      seen.set(key, identity);
      expect(isKeyOf(key, args[0])).toBe(true);
      expect(isKeyOf(key, args[0], args[1])).toBe(true);
    }
  });

  it('when an argument is missing, then building the key throws instead of widening the scope', () => {
    expect(() => tenantKey('', 'ns', 'k')).toThrow(TypeError);
    expect(() => tenantKey('t', '', 'k')).toThrow(TypeError);
    expect(() => (tenantKey as (...args: string[]) => string)('t', 'ns')).toThrow(TypeError);
  });
});
