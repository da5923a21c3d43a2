import { apiKeyMatchesHash, generateApiKey, hashApiKey, isApiKeyDocumentId, maskApiKey, parseApiKey } from './api-key-format';

describe('tenant API key format', () => {
  it('when a key is generated, then it is tnt_<16 [a-z0-9]>_<43 base64url> and its parts agree', () => {
    const key = generateApiKey();
    expect(key.plaintext).toMatch(/^tnt_[a-z0-9]{16}_[A-Za-z0-9_-]{43}$/);
    expect(key.prefix).toBe(key.plaintext.slice(0, 20));
    expect(key.keyId).toBe(`key_${key.plaintext.slice(4, 20)}`);
    expect(key.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(key.hash).toBe(hashApiKey(key.plaintext));
    expect(key.lastFour).toBe(key.plaintext.slice(-4));
    expect(isApiKeyDocumentId(key.keyId)).toBe(true);
  });

  it('when keys are generated, then they do not repeat', () => {
    const keys = new Set(Array.from({ length: 1000 }, () => generateApiKey().plaintext));
    expect(keys.size).toBe(1000);
  });

  it('when a generated key is parsed, then it names its key document and prefix', () => {
    const key = generateApiKey();
    expect(parseApiKey(key.plaintext)).toEqual({ keyId: key.keyId, prefix: key.prefix });
  });

  it.each([
    ['empty', ''],
    ['another prefix', 'sk_live_abcdefghijklmnop_' + 'a'.repeat(43)],
    ['an upper-case id', 'tnt_ABCDEFGHIJKLMNOP_' + 'a'.repeat(43)],
    ['a short secret', 'tnt_abcdefghijklmnop_' + 'a'.repeat(42)],
    ['a long secret', 'tnt_abcdefghijklmnop_' + 'a'.repeat(44)],
    ['a bad character in the secret', 'tnt_abcdefghijklmnop_' + 'a'.repeat(42) + '+'],
    ['trailing whitespace', generateApiKey().plaintext + ' '],
  ])('when the text has %s, then it is not a key', (_name, text) => {
    expect(parseApiKey(text)).toBeNull();
  });

  it('when a key is checked against its hash, then only the same key matches', () => {
    const key = generateApiKey();
    expect(apiKeyMatchesHash(key.plaintext, key.hash)).toBe(true);
    expect(apiKeyMatchesHash(generateApiKey().plaintext, key.hash)).toBe(false);
    expect(apiKeyMatchesHash(key.plaintext, 'not-hex')).toBe(false);
  });

  it('masks a key as its prefix and last four characters', () => {
    expect(maskApiKey('tnt_abcdefghijklmnop', 'wxyz')).toBe('tnt_abcdefghijklmnop…wxyz');
  });
});
