import { connectMongo, type MongoPersistence } from '@tenantry/persistence';
import { describeWithInfra, uniqueName } from '@tenantry/testing';
import pino from 'pino';
import { idempotencyStoreContract } from '../test-support/idempotency-store.contract';
import { PersistentIdempotencyStore } from './persistent-idempotency-store';

describeWithInfra('PersistentIdempotencyStore on the real database', ['mongo'], (infra) => {
  let persistence: MongoPersistence | undefined;
  afterAll(async () => {
    await persistence?.close();
  });

  idempotencyStoreContract('MongoDB-compatible server', async () => {
    persistence = await connectMongo({ uri: infra.mongodbUri, logger: pino({ level: 'silent' }) });
    return PersistentIdempotencyStore.open(persistence, uniqueName('idempotency').replaceAll('-', '_'));
  });
});
