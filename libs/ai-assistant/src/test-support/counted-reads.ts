import type { TenantScopedRepository } from '@tenantry/persistence';

/** One read of a repository: by `_id` (findById, and the read inside a conditional update) or by a filter. */
export interface CountedRead {
  method: string;
  byId: boolean;
  /** Documents the read returned. */
  documents: number;
}

/**
 * The repository, with every read counted: which method, whether it addresses a document by `_id`
 * alone (the only read FerretDB 1.x answers without decoding the whole collection), and how many
 * documents came back. For tests of what a hot path reads; writes pass through (an update counts as
 * the read by `_id` it starts with).
 */
export function countedReads<T, I>(
  repository: TenantScopedRepository<T, I>,
): {
  repository: TenantScopedRepository<T, I>;
  reads: CountedRead[];
} {
  const reads: CountedRead[] = [];
  const note = (method: string, byId: boolean, documents: number) => reads.push({ method, byId, documents });
  const counted: TenantScopedRepository<T, I> = {
    collection: repository.collection,
    insert: (tenantId, document, options) => repository.insert(tenantId, document, options),
    async findById(tenantId, id) {
      const found = await repository.findById(tenantId, id);
      note('findById', true, found ? 1 : 0);
      return found;
    },
    async findOne(tenantId, filter) {
      const found = await repository.findOne(tenantId, filter);
      note('findOne', false, found ? 1 : 0);
      return found;
    },
    async list(tenantId, options) {
      const page = await repository.list(tenantId, options);
      note('list', false, page.items.length);
      return page;
    },
    async count(tenantId, filter) {
      const count = await repository.count(tenantId, filter);
      note('count', false, count);
      return count;
    },
    async update(tenantId, id, changes, options) {
      note('update', true, 1);
      return repository.update(tenantId, id, changes, options);
    },
    delete: (tenantId, id, options) => repository.delete(tenantId, id, options),
    async findByUniqueKeyAcrossTenants(field, value) {
      const found = await repository.findByUniqueKeyAcrossTenants(field, value);
      note('findByUniqueKeyAcrossTenants', false, found ? 1 : 0);
      return found;
    },
    admin: {
      async listAcrossTenants(options) {
        const page = await repository.admin.listAcrossTenants(options);
        note('admin.listAcrossTenants', false, page.items.length);
        return page;
      },
      async findByIdAcrossTenants(id) {
        const found = await repository.admin.findByIdAcrossTenants(id);
        note('admin.findByIdAcrossTenants', true, found ? 1 : 0);
        return found;
      },
      async *eachAcrossTenants(filter) {
        let documents = 0;
        try {
          for await (const document of repository.admin.eachAcrossTenants(filter)) {
            documents += 1;
            yield document;
          }
        } finally {
          note('admin.eachAcrossTenants', false, documents);
        }
      },
    },
  };
  return { repository: counted, reads };
}
