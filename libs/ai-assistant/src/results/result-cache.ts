import { createHash } from 'node:crypto';
import { ConflictError } from '@tenantry/contracts';
import { canonicalJson } from '@tenantry/http';
import { defineCollection, type Persistence, type TenantScopedRepository } from '@tenantry/persistence';
import { z } from 'zod';

const cachedResultSchema = z.object({ action: z.string(), data_version: z.string(), result: z.unknown() });

/**
 * Results by action + parameters + the version of the data the action read: the same question on the
 * same data answers from here; any change to what it read changes the version and so the key.
 */
export const resultsCollection = defineCollection({ name: 'assistant_results', schema: cachedResultSchema });

export class ResultCache {
  private constructor(
    private readonly results: TenantScopedRepository<z.output<typeof cachedResultSchema>, z.input<typeof cachedResultSchema>>,
  ) {}

  static async open(persistence: Persistence): Promise<ResultCache> {
    return new ResultCache(await persistence.repository(resultsCollection));
  }

  static key(tenantId: string, action: string, parameters: unknown, dataVersion: string): string {
    return (
      'result:' +
      createHash('sha256')
        .update(`${tenantId}\n${action}\n${canonicalJson(parameters)}\n${dataVersion}`)
        .digest('base64url')
    );
  }

  async find(tenantId: string, key: string): Promise<unknown> {
    return (await this.results.findById(tenantId, key))?.result;
  }

  async store(tenantId: string, key: string, action: string, dataVersion: string, result: unknown): Promise<void> {
    // Two replicas computing the same key at once both write the same result: the loser's conflict is harmless.
    await this.results.insert(tenantId, { action, data_version: dataVersion, result }, { id: key }).catch((error: unknown) => {
      if (!(error instanceof ConflictError)) throw error;
    });
  }
}
