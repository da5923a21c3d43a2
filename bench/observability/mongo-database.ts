import mongoose from 'mongoose';

/**
 * The observability scenarios seed a database of their own (10,000 tenants' rollups must not land in
 * `tenantry`, where other engineers' tests run; its URI comes from `withDatabase` of @tenantry/testing):
 * dropping it afterwards. Kept in a file named after its library, like bench/persistence/mongo-admin.ts.
 */
export async function dropDatabase(uri: string): Promise<void> {
  const connection = mongoose.createConnection(uri, {
    appName: 'tenantry-bench-admin',
    serverSelectionTimeoutMS: 5_000,
    bufferCommands: false,
    autoIndex: false,
    autoCreate: false,
  });
  try {
    await connection.asPromise();
    await connection.dropDatabase();
  } finally {
    await connection.close();
  }
}
