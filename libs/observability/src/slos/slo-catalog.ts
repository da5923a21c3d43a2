import { ConflictError, PLATFORM_SUBJECT } from '@tenantry/contracts';
import { defineCollection, type TenantScopedRepository } from '@tenantry/persistence';
import { z } from 'zod';
import { defaultSloDefinitions, type SloDefinition } from '../slo-definitions/definitions';
import { fromOpenSlo, openSloDocumentSchema, toOpenSlo, type OpenSloDocument } from './openslo';
import type { SloSource } from './sla.routes';

const CATALOG_ID = 'slo-catalog';

/** The imported SLO definitions (one document; absent: the defaults from the plan catalog). */
export const sloCatalogCollection = defineCollection({
  name: 'observability_slo_catalog',
  schema: z.object({ documents: z.array(z.unknown()).max(500) }),
});
type CatalogRepository = TenantScopedRepository<{ documents: unknown[] }>;

/**
 * The SLO definitions in force: the defaults until an admin imports OpenSLO documents. Each replica
 * reloads them before every evaluation (`refresh`), so an import reaches every replica within a minute.
 */
export class SloCatalog implements SloSource {
  private current: readonly SloDefinition[] = defaultSloDefinitions();

  constructor(private readonly catalog: CatalogRepository) {}

  definitions(): readonly SloDefinition[] {
    return this.current;
  }

  async refresh(): Promise<void> {
    const stored = await this.catalog.findById(PLATFORM_SUBJECT, CATALOG_ID);
    this.current = stored
      ? stored.documents.map((document) => fromOpenSlo(openSloDocumentSchema.parse(document)))
      : defaultSloDefinitions();
  }

  exportOpenSlo(): OpenSloDocument[] {
    return this.current.map(toOpenSlo);
  }

  /** Replaces every definition (validated by the route's schema first, so nothing partial is stored). */
  async importOpenSlo(documents: readonly OpenSloDocument[]): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      const stored = await this.catalog.findById(PLATFORM_SUBJECT, CATALOG_ID);
      try {
        if (stored)
          await this.catalog.update(PLATFORM_SUBJECT, CATALOG_ID, { documents: [...documents] }, { expectedVersion: stored.version });
        else await this.catalog.insert(PLATFORM_SUBJECT, { documents: [...documents] }, { id: CATALOG_ID });
        break;
      } catch (error) {
        if (!(error instanceof ConflictError) || attempt >= 5) throw error;
      }
    }
    this.current = documents.map(fromOpenSlo);
  }
}
