import { describeWithInfra } from '@tenantry/testing';
import mongoose from 'mongoose';
import pino from 'pino';
import { repositoryContract } from '../test-support/repository.contract';
import { connectMongo } from './connect';
import { markerCollectionName } from './mongo-collection-store';

describeWithInfra('MongoDB persistence', ['mongo'], (infra) => {
  const logger = pino({ level: 'silent' });

  repositoryContract('MongoDB-compatible server', {
    open: () => connectMongo({ uri: infra.mongodbUri, logger }),
    dropCollections: async (names) => {
      const connection = await mongoose.createConnection(infra.mongodbUri, { serverSelectionTimeoutMS: 2000 }).asPromise();
      try {
        for (const name of names.flatMap((collection) => [collection, markerCollectionName(collection)]))
          await connection.db?.dropCollection(name).catch(() => undefined);
      } finally {
        await connection.close();
      }
    },
  });
});
