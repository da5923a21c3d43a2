import { withDatabase } from './infra';

describe('withDatabase: the database of a suite of its own on the same server', () => {
  it.each([
    ['mongodb://127.0.0.1:27017/tenantry', 'mongodb://127.0.0.1:27017/test_1'],
    ['mongodb://127.0.0.1:27017', 'mongodb://127.0.0.1:27017/test_1'],
    ['mongodb://127.0.0.1:27017/', 'mongodb://127.0.0.1:27017/test_1'],
    ['mongodb://u:p@a:1,b:2/tenantry?replicaSet=rs0&w=majority', 'mongodb://u:p@a:1,b:2/test_1?replicaSet=rs0&w=majority'],
    ['mongodb+srv://cluster.example.net/app?retryWrites=true', 'mongodb+srv://cluster.example.net/test_1?retryWrites=true'],
    ['mongodb://127.0.0.1:27017?directConnection=true', 'mongodb://127.0.0.1:27017/test_1?directConnection=true'],
  ])('%s → %s', (uri, expected) => {
    expect(withDatabase(uri, 'test_1')).toBe(expected);
  });

  it('refuses a URI that is not mongodb://, without echoing its credentials', () => {
    expect(() => withDatabase('postgres://user:secret@db/x', 'test_1')).toThrow(/not a mongodb:\/\/ URI/);
    expect(() => withDatabase('postgres://user:secret@db/x', 'test_1')).not.toThrow(/secret/);
  });
});
