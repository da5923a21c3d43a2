import { ConflictError } from '@tenantry/contracts';
import type { ContractContext } from '../repository.contract';
import { buildEvent, buildWidget, newTenantId } from '../widgets';

export function concurrencyAndUniquenessContract(context: ContractContext): void {
  describe('optimistic concurrency', () => {
    it('when an update names a stale version, then it is a conflict and nothing changes', async () => {
      const { widgets } = context.shared();
      const tenantId = newTenantId();
      const original = await widgets.insert(tenantId, buildWidget());
      const current = await widgets.update(tenantId, original.id, { price: 1 });

      await expect(widgets.update(tenantId, original.id, { price: 2 }, { expectedVersion: original.version })).rejects.toBeInstanceOf(
        ConflictError,
      );
      await expect(widgets.delete(tenantId, original.id, { expectedVersion: original.version })).rejects.toBeInstanceOf(ConflictError);
      expect(await widgets.findById(tenantId, original.id)).toEqual(current);
    });

    it('when two writers race with the same expected version, then exactly one wins', async () => {
      const { widgets } = context.shared();
      const tenantId = newTenantId();
      const original = await widgets.insert(tenantId, buildWidget());

      const results = await Promise.allSettled(
        [10, 20, 30].map((price) => widgets.update(tenantId, original.id, { price }, { expectedVersion: original.version })),
      );

      const won = results.filter((result) => result.status === 'fulfilled');
      const lost = results.filter((result) => result.status === 'rejected');
      expect(won).toHaveLength(1);
      for (const result of lost) expect((result as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
      expect(await widgets.findById(tenantId, original.id)).toMatchObject({ version: 2 });
    });

    it('when writers without an expected version race on different fields, then both changes land', async () => {
      const { widgets } = context.shared();
      const tenantId = newTenantId();
      const original = await widgets.insert(tenantId, buildWidget());

      await Promise.all([widgets.update(tenantId, original.id, { price: 77 }), widgets.update(tenantId, original.id, { note: 'both' })]);

      expect(await widgets.findById(tenantId, original.id)).toMatchObject({ price: 77, note: 'both', version: 3 });
    });
  });

  describe('unique indexes', () => {
    it('when a unique key is taken, also by another tenant, then the insert is a conflict and leaves no trace', async () => {
      const { widgets, persistence } = await context.fresh();
      const [tenantA, tenantB] = [newTenantId(), newTenantId()];
      const taken = await widgets.insert(tenantA, buildWidget());

      await expect(widgets.insert(tenantB, buildWidget({ sku: taken.sku }), { events: [buildEvent(tenantB)] })).rejects.toBeInstanceOf(
        ConflictError,
      );
      await expect(widgets.insert(tenantA, buildWidget(), { id: taken.id })).rejects.toBeInstanceOf(ConflictError);

      expect(await widgets.count(tenantB)).toBe(0);
      expect(await widgets.count(tenantA)).toBe(1);
      expect(await persistence.createOutboxSource().claimPending(10, 10_000)).toEqual([]);
    });

    it('when the key is unique per tenant, then another tenant may use it but the same tenant may not', async () => {
      const { widgets } = context.shared();
      const [tenantA, tenantB] = [newTenantId(), newTenantId()];
      await widgets.insert(tenantA, buildWidget({ slug: 'shared-slug' }));
      await expect(widgets.insert(tenantB, buildWidget({ slug: 'shared-slug' }))).resolves.toMatchObject({ slug: 'shared-slug' });
      await expect(widgets.insert(tenantA, buildWidget({ slug: 'shared-slug' }))).rejects.toBeInstanceOf(ConflictError);
    });

    it('when an update would take a unique key, then it is a conflict and the document is unchanged', async () => {
      const { widgets } = context.shared();
      const tenantId = newTenantId();
      const first = await widgets.insert(tenantId, buildWidget());
      const second = await widgets.insert(tenantId, buildWidget());

      await expect(widgets.update(tenantId, second.id, { sku: first.sku })).rejects.toBeInstanceOf(ConflictError);
      await expect(widgets.update(tenantId, second.id, { slug: first.slug })).rejects.toBeInstanceOf(ConflictError);
      expect(await widgets.findById(tenantId, second.id)).toEqual(second);
    });

    it('when a document is deleted with events still to publish, then its unique key is free at once', async () => {
      const { widgets } = context.shared();
      const tenantId = newTenantId();
      const gone = await widgets.insert(tenantId, buildWidget(), { events: [buildEvent(tenantId)] });
      await widgets.delete(tenantId, gone.id, { events: [buildEvent(tenantId, 'widget.deleted')] });

      const again = await widgets.insert(tenantId, buildWidget({ sku: gone.sku, slug: gone.slug }));

      expect(await widgets.findByUniqueKeyAcrossTenants('sku', gone.sku)).toEqual(again);
      expect(await widgets.count(tenantId)).toBe(1);
    });
  });
}
