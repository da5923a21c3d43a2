import { NotFoundError, ValidationFailedError } from '@tenantry/contracts';
import type { ContractContext } from '../repository.contract';
import { buildEvent, buildWidget, newTenantId } from '../widgets';

/** Tenant B must not be able to tell that tenant A's document exists, let alone read or change it. */
export function tenantIsolationContract(context: ContractContext): void {
  describe('tenant isolation', () => {
    async function twoTenants() {
      const { widgets } = context.shared();
      const tenantA = newTenantId();
      const tenantB = newTenantId();
      const secret = await widgets.insert(tenantA, buildWidget({ name: 'secret', status: 'archived' }));
      await widgets.insert(tenantB, buildWidget({ name: 'own' }));
      return { widgets, tenantA, tenantB, secret };
    }

    it("when tenant B asks for tenant A's id, then it is simply not there", async () => {
      const { widgets, tenantB, secret } = await twoTenants();
      expect(await widgets.findById(tenantB, secret.id)).toBeNull();
    });

    it("when a deleted document's id is taken by another tenant, then reads and writes by id reach only the new owner", async () => {
      const { widgets, tenantA, tenantB, secret } = await twoTenants();
      await widgets.delete(tenantA, secret.id);
      const reused = await widgets.insert(tenantB, buildWidget(), { id: secret.id });

      expect(await widgets.findById(tenantA, secret.id)).toBeNull();
      await expect(widgets.update(tenantA, secret.id, { name: 'x' }, { expectedVersion: reused.version })).rejects.toBeInstanceOf(
        NotFoundError,
      );
      await expect(widgets.delete(tenantA, secret.id)).rejects.toBeInstanceOf(NotFoundError);
      expect(await widgets.findById(tenantB, secret.id)).toEqual(reused);
    });

    it('when a document was deleted with an event still to publish, then its own tenant cannot read or change it either', async () => {
      const { widgets, tenantA, secret } = await twoTenants();
      await widgets.delete(tenantA, secret.id, { events: [buildEvent(tenantA, 'widget.deleted')] });

      expect(await widgets.findById(tenantA, secret.id)).toBeNull();
      await expect(widgets.update(tenantA, secret.id, { name: 'ghost' })).rejects.toBeInstanceOf(NotFoundError);
      await expect(widgets.delete(tenantA, secret.id)).rejects.toBeInstanceOf(NotFoundError);
    });

    it("when tenant B filters for tenant A's values, then nothing matches", async () => {
      const { widgets, tenantB, secret } = await twoTenants();
      expect(await widgets.findOne(tenantB, { name: 'secret' })).toBeNull();
      expect(await widgets.findOne(tenantB, { sku: secret.sku })).toBeNull();
      expect(await widgets.count(tenantB, { status: 'archived' })).toBe(0);
    });

    it('when a filter tries to name the tenant or inject an operator, then it is refused', async () => {
      const { widgets, tenantA, tenantB } = await twoTenants();
      const hostile = [
        { tenantId: tenantA },
        { $or: [{ tenantId: tenantA }] },
        { name: { $where: 'true' } },
        { name: { $regex: '.*' } },
        { name: { $ne: { $gt: '' } } },
        { id: 'x' },
      ];
      for (const filter of hostile) {
        await expect(widgets.findOne(tenantB, filter as never)).rejects.toBeInstanceOf(ValidationFailedError);
        await expect(widgets.list(tenantB, { filter: filter as never })).rejects.toBeInstanceOf(ValidationFailedError);
      }
    });

    it('when tenant B lists, also from a cursor taken from tenant A, then only its own documents come back', async () => {
      const { widgets, tenantA, tenantB } = await twoTenants();
      await widgets.insert(tenantA, buildWidget());
      const pageOfA = await widgets.list(tenantA, { limit: 1 });
      expect(pageOfA.nextCursor).not.toBeNull();

      const fromStart = await widgets.list(tenantB);
      const fromForeignCursor = await widgets.list(tenantB, { cursor: pageOfA.nextCursor ?? undefined, sort: 'desc' });

      expect(fromStart.items.map((item) => item.name)).toEqual(['own']);
      for (const item of fromForeignCursor.items) expect(item.tenantId).toBe(tenantB);
    });

    it("when tenant B updates or deletes tenant A's document, then it is NotFound exactly like a missing id, and A's document is untouched", async () => {
      const { widgets, tenantA, tenantB, secret } = await twoTenants();
      const missingId = `${secret.id}-missing`;
      const messageFor = async (call: Promise<unknown>, id: string) => {
        const error = await call.then(
          () => undefined,
          (failure: unknown) => failure,
        );
        expect(error).toBeInstanceOf(NotFoundError);
        return (error as Error).message.replace(id, '<id>');
      };

      const updateMessage = await messageFor(
        widgets.update(tenantB, secret.id, { name: 'pwned' }, { events: [buildEvent(tenantB)] }),
        secret.id,
      );
      const deleteMessage = await messageFor(widgets.delete(tenantB, secret.id), secret.id);

      expect(updateMessage).toBe(await messageFor(widgets.update(tenantB, missingId, { name: 'pwned' }), missingId));
      expect(deleteMessage).toBe(await messageFor(widgets.delete(tenantB, missingId), missingId));
      expect(await widgets.findById(tenantA, secret.id)).toEqual(secret);
    });

    it('when a tenant id is missing at run time, then the call throws instead of running unscoped', async () => {
      const { widgets } = context.shared();
      await expect(widgets.findById('' as string, 'x')).rejects.toThrow(TypeError);
      await expect(widgets.list(undefined as unknown as string)).rejects.toThrow(TypeError);
    });

    it('when events name another tenant as subject, then the write is refused and nothing is stored', async () => {
      const { widgets, tenantA, tenantB } = await twoTenants();
      await expect(widgets.insert(tenantB, buildWidget({ name: 'spoof' }), { events: [buildEvent(tenantA)] })).rejects.toThrow(/subject/);
      expect(await widgets.findOne(tenantB, { name: 'spoof' })).toBeNull();
    });

    it('when a unique secondary key is looked up across tenants, then it finds the owner; other fields cannot be used that way', async () => {
      const { widgets, tenantA, secret } = await twoTenants();
      const found = await widgets.findByUniqueKeyAcrossTenants('sku', secret.sku);
      expect(found).toMatchObject({ id: secret.id, tenantId: tenantA });
      expect(await widgets.findByUniqueKeyAcrossTenants('sku', 'no-such-sku')).toBeNull();
      await expect(widgets.findByUniqueKeyAcrossTenants('name', 'secret')).rejects.toThrow(TypeError);
      await expect(widgets.findByUniqueKeyAcrossTenants('slug', secret.slug)).rejects.toThrow(TypeError);
    });

    it('when the platform admin reads, then the explicitly unscoped reads see every tenant', async () => {
      const { widgets, tenantA, tenantB, secret } = await twoTenants();
      expect(await widgets.admin.findByIdAcrossTenants(secret.id)).toEqual(secret);
      const tenants = new Set<string>();
      let cursor: string | undefined;
      do {
        const page = await widgets.admin.listAcrossTenants({ limit: 100, sort: 'desc', ...(cursor ? { cursor } : {}) });
        for (const item of page.items) tenants.add(item.tenantId);
        cursor = tenants.has(tenantA) && tenants.has(tenantB) ? undefined : (page.nextCursor ?? undefined);
      } while (cursor);
      expect([tenants.has(tenantA), tenants.has(tenantB)]).toEqual([true, true]);
    });

    it('when the platform admin goes through a whole collection, then every live document is read once, filtered as asked', async () => {
      const { widgets } = await context.fresh();
      const [tenantA, tenantB] = [newTenantId(), newTenantId()];
      const archived = await widgets.insert(tenantA, buildWidget({ status: 'archived' }));
      const live = [archived, await widgets.insert(tenantA, buildWidget()), await widgets.insert(tenantB, buildWidget())];
      const gone = await widgets.insert(tenantB, buildWidget({ status: 'archived' }));
      await widgets.delete(tenantB, gone.id, { events: [buildEvent(tenantB, 'widget.deleted')] }); // a tombstone until relayed

      const everything: string[] = [];
      for await (const widget of widgets.admin.eachAcrossTenants()) everything.push(widget.id);
      const archivedOnly: unknown[] = [];
      for await (const widget of widgets.admin.eachAcrossTenants({ status: 'archived' })) archivedOnly.push(widget);

      expect(everything.sort()).toEqual(live.map((widget) => widget.id).sort());
      expect(archivedOnly).toEqual([archived]);
    });
  });
}
