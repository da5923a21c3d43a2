const { onlyUnitSpecsNamed, unquote } = require('./global-setup') as {
  onlyUnitSpecsNamed: (config: { testPathPatterns?: { patterns: string[] } }) => boolean;
  unquote: (value: string) => string;
};

const named = (...patterns: string[]) => ({ testPathPatterns: { patterns } });

describe('jest global setup: when does a run need the real infrastructure', () => {
  it('when the run names only unit spec files, then it starts no infrastructure', () => {
    expect(onlyUnitSpecsNamed(named('libs/a/src/x.spec.ts', 'libs/b/src/y.spec.ts'))).toBe(true);
  });

  it('when the run is the whole suite, names a folder or an integration or e2e spec, then it needs the infrastructure', () => {
    expect(onlyUnitSpecsNamed(named())).toBe(false);
    expect(onlyUnitSpecsNamed({})).toBe(false);
    expect(onlyUnitSpecsNamed(named('libs/platform/cache'))).toBe(false);
    expect(onlyUnitSpecsNamed(named('libs/a/src/x.spec.ts', 'libs/a/src/x.int.spec.ts'))).toBe(false);
    expect(onlyUnitSpecsNamed(named('apps/all-in-one/src/e2e/walkthrough.e2e.spec.ts'))).toBe(false);
  });

  it('when infra/local/up.sh prints quoted values, then they are read as the shell would', () => {
    expect(unquote('127.0.0.1:9092')).toBe('127.0.0.1:9092');
    expect(unquote("'mongodb://127.0.0.1:27017/tenantry'")).toBe('mongodb://127.0.0.1:27017/tenantry');
    expect(unquote("'it'\\''s'")).toBe("it's");
  });
});
