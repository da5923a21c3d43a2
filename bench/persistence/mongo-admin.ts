import mongoose from 'mongoose';

export interface ServerInfo {
  mongodbVersion: string;
  /** Present on FerretDB; `unknown` when the binary was built without version information. */
  ferretdbVersion?: string;
}

/**
 * The few things the bench needs beneath the persistence port: the server's version (FerretDB reports
 * `ferretdbVersion` in buildInfo) and dropping the collections a run created. Kept in a persistence
 * file, like the raw kafkajs baseline is kept in an event-bus one.
 */
export class MongoBenchAdmin {
  private constructor(private readonly connection: mongoose.Connection) {}

  static async connect(uri: string): Promise<MongoBenchAdmin> {
    const connection = mongoose.createConnection(uri, {
      appName: 'tenantry-bench-admin',
      serverSelectionTimeoutMS: 5_000,
      bufferCommands: false,
      autoIndex: false,
      autoCreate: false,
    });
    await connection.asPromise();
    return new MongoBenchAdmin(connection);
  }

  private get db(): mongoose.mongo.Db {
    if (!this.connection.db) throw new Error('not connected');
    return this.connection.db;
  }

  /** What buildInfo says: the MongoDB version it reports and, on FerretDB, `ferretdbVersion`. */
  async serverInfo(): Promise<ServerInfo> {
    const info = await this.db.admin().command({ buildInfo: 1 });
    const ferretdb = info['ferretdbVersion'];
    return {
      mongodbVersion: typeof info['version'] === 'string' ? info['version'] : 'unknown',
      ...(typeof ferretdb === 'string' ? { ferretdbVersion: ferretdb } : {}),
    };
  }

  /** Drops these collections and their outbox-marker companions (`<name>.outbox`) if they exist; returns the ones dropped. */
  async dropCollections(names: readonly string[]): Promise<string[]> {
    const existing = new Set((await this.db.listCollections({}, { nameOnly: true }).toArray()).map((collection) => collection.name));
    const dropped: string[] = [];
    for (const name of names.flatMap((collection) => [collection, `${collection}.outbox`])) {
      if (!existing.has(name)) continue;
      await this.db.dropCollection(name);
      dropped.push(name);
    }
    return dropped;
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}
