import { repositoryContract } from '../test-support/repository.contract';
import { createInMemoryPersistence } from './in-memory-persistence';

repositoryContract('in-memory', { open: async () => createInMemoryPersistence() });
