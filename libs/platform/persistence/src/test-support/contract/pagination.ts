import type { Stored } from '../../collection';
import type { ListOptions, TenantScopedRepository } from '../../repository';
import type { ContractContext } from '../repository.contract';
import { type Widget, type WidgetInput, buildWidget, newTenantId } from '../widgets';

type Widgets = TenantScopedRepository<Widget, WidgetInput>;

async function readAll(
  widgets: Widgets,
  tenantId: string,
  options: ListOptions<Widget>,
  between?: () => Promise<void>,
): Promise<Stored<Widget>[]> {
  const items: Stored<Widget>[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 100; pages += 1) {
    const page = await widgets.list(tenantId, { ...options, ...(cursor ? { cursor } : {}) });
    items.push(...page.items);
    if (!page.nextCursor) return items;
    cursor = page.nextCursor;
    await between?.();
  }
  throw new Error('pagination did not end');
}

export function paginationContract(context: ContractContext): void {
  describe('pagination', () => {
    async function seeded(count: number) {
      const { widgets } = context.shared();
      const tenantId = newTenantId();
      const other = newTenantId();
      const inserted: Stored<Widget>[] = [];
      for (let index = 0; index < count; index += 1) {
        inserted.push(await widgets.insert(tenantId, buildWidget({ price: index, status: index % 3 === 0 ? 'archived' : 'active' })));
        if (index % 4 === 0) await widgets.insert(other, buildWidget());
      }
      return { widgets, tenantId, inserted };
    }

    it('when a tenant pages through its documents, then every one comes exactly once, in creation order', async () => {
      const { widgets, tenantId, inserted } = await seeded(23);

      const ascending = await readAll(widgets, tenantId, { limit: 5 });
      const descending = await readAll(widgets, tenantId, { limit: 4, sort: 'desc' });

      expect(ascending.map((item) => item.id)).toEqual(inserted.map((item) => item.id));
      expect(descending.map((item) => item.id)).toEqual(inserted.map((item) => item.id).reverse());
    });

    it('when the last page is exactly full, then it says there may be more and the next one is empty', async () => {
      const { widgets, tenantId } = await seeded(4);
      const first = await widgets.list(tenantId, { limit: 4 });
      expect(first.items).toHaveLength(4);
      expect(first.nextCursor).toBeNull();
      const second = await widgets.list(tenantId, { limit: 2 });
      expect(second.nextCursor).not.toBeNull();
    });

    it('when documents are added and changed while paging, then none of the original ones is skipped or repeated', async () => {
      const { widgets, tenantId, inserted } = await seeded(12);
      let round = 0;

      const seen = await readAll(widgets, tenantId, { limit: 3 }, async () => {
        round += 1;
        await widgets.insert(tenantId, buildWidget({ name: `late ${round}` }));
        await widgets.update(tenantId, inserted[round]?.id ?? '', { price: 1000 + round });
      });

      const ids = seen.map((item) => item.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.slice(0, inserted.length)).toEqual(inserted.map((item) => item.id));
    });

    it('when a filter is combined with paging, then pages hold only matching documents', async () => {
      const { widgets, tenantId, inserted } = await seeded(10);
      const archived = await readAll(widgets, tenantId, { limit: 2, filter: { status: 'archived' } });
      expect(archived.map((item) => item.id)).toEqual(inserted.filter((item) => item.status === 'archived').map((item) => item.id));
    });
  });
}
