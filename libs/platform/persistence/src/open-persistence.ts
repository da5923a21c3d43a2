import type { Logger } from 'pino';
import { createInMemoryPersistence } from './in-memory/in-memory-persistence';
import { connectMongo } from './mongo/connect';
import type { Persistence } from './persistence';

/**
 * MongoDB when a URI is given, otherwise the in-memory twin (embedded mode), with a log line saying
 * which one is in use and that in-memory data is lost on exit.
 */
export async function openPersistence(options: { mongodbUri?: string | undefined; logger: Logger }): Promise<Persistence> {
  if (options.mongodbUri) return connectMongo({ uri: options.mongodbUri, logger: options.logger });
  options.logger.warn({ adapter: 'in-memory' }, 'storage: in-memory (MONGODB_URI not set); data is lost on exit');
  return createInMemoryPersistence({ logger: options.logger });
}
