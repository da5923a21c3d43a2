import { NotFoundError, ValidationFailedError } from '@tenantry/contracts';
import type { ContractContext } from '../repository.contract';
import { buildWidget, newTenantId } from '../widgets';

export function crudContract(context: ContractContext): void {
  describe('CRUD', () => {
    it('when a document is inserted, then it reads back validated, typed and with system fields', async () => {
      const { widgets } = context.shared();
      const tenantId = newTenantId();
      const releasedAt = new Date('2026-01-02T03:04:05.678Z');
      const inserted = await widgets.insert(tenantId, buildWidget({ name: 'Anvil', releasedAt }));

      const found = await widgets.findById(tenantId, inserted.id);

      expect(found).toEqual(inserted);
      expect(found).toMatchObject({ name: 'Anvil', tenantId, version: 1, metadata: {}, releasedAt });
      expect(found?.id).toMatch(/^wgt_/);
      expect(found?.createdAt).toBeInstanceOf(Date);
      expect(found?.releasedAt).toBeInstanceOf(Date);
    });

    it('when an id is given, then the document is stored under it', async () => {
      const { widgets } = context.shared();
      const tenantId = newTenantId();
      await widgets.insert(tenantId, buildWidget(), { id: `${tenantId}-own` });
      expect((await widgets.findById(tenantId, `${tenantId}-own`))?.id).toBe(`${tenantId}-own`);
    });

    it('when free-form keys contain ".", "$" or "%", then they round-trip unchanged', async () => {
      const { widgets } = context.shared();
      const tenantId = newTenantId();
      const metadata = { 'com.example.plan': 'gold', $where: 'x', '100%': 'sure', '%2E': 'literal', plain: 'ok' };
      const { id } = await widgets.insert(tenantId, buildWidget({ metadata }));
      expect((await widgets.findById(tenantId, id))?.metadata).toEqual(metadata);
      const updated = await widgets.update(tenantId, id, { metadata: { ...metadata, 'a.b.c': 'd' } });
      expect((await widgets.findById(tenantId, id))?.metadata).toEqual(updated.metadata);
    });

    it('when a document is updated, then changed fields, version and updatedAt move and the rest stays', async () => {
      const { widgets } = context.shared();
      const tenantId = newTenantId();
      const original = await widgets.insert(tenantId, buildWidget({ note: 'fragile' }));

      const updated = await widgets.update(tenantId, original.id, { price: 999, note: undefined });

      expect(updated).toMatchObject({ price: 999, name: original.name, version: 2, createdAt: original.createdAt });
      expect(updated).not.toHaveProperty('note');
      expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(original.updatedAt.getTime());
      expect(await widgets.findById(tenantId, original.id)).toEqual(updated);
    });

    it('when a document is deleted, then it is gone and a second delete is NotFound', async () => {
      const { widgets } = context.shared();
      const tenantId = newTenantId();
      const { id } = await widgets.insert(tenantId, buildWidget());

      await widgets.delete(tenantId, id);

      expect(await widgets.findById(tenantId, id)).toBeNull();
      expect(await widgets.count(tenantId)).toBe(0);
      await expect(widgets.delete(tenantId, id)).rejects.toBeInstanceOf(NotFoundError);
      await expect(widgets.update(tenantId, id, { price: 1 })).rejects.toBeInstanceOf(NotFoundError);
    });

    it('when a caller mutates a returned document, then the stored one does not change', async () => {
      const { widgets } = context.shared();
      const tenantId = newTenantId();
      const inserted = await widgets.insert(tenantId, buildWidget({ metadata: { a: '1' }, releasedAt: new Date(0) }));
      inserted.metadata['a'] = 'mutated';
      inserted.releasedAt?.setTime(123);
      const found = await widgets.findById(tenantId, inserted.id);
      if (!found) throw new Error('not found');
      found.metadata['b'] = 'added';

      expect(await widgets.findById(tenantId, inserted.id)).toMatchObject({ metadata: { a: '1' }, releasedAt: new Date(0) });
    });

    it('when findOne and count filter by fields and operators, then they match like MongoDB does', async () => {
      const { widgets } = context.shared();
      const tenantId = newTenantId();
      await widgets.insert(tenantId, buildWidget({ name: 'cheap', price: 5, status: 'archived' }));
      await widgets.insert(tenantId, buildWidget({ name: 'mid', price: 50, note: 'n' }));
      await widgets.insert(tenantId, buildWidget({ name: 'dear', price: 500 }));

      expect((await widgets.findOne(tenantId, { status: 'archived' }))?.name).toBe('cheap');
      expect(await widgets.count(tenantId, { price: { $gte: 50 } })).toBe(2);
      expect(await widgets.count(tenantId, { price: { $gt: 5, $lt: 500 } })).toBe(1);
      expect(await widgets.count(tenantId, { name: { $in: ['cheap', 'dear', 'none'] } })).toBe(2);
      expect(await widgets.count(tenantId, { name: { $nin: ['cheap'] }, status: { $ne: 'archived' } })).toBe(2);
      expect(await widgets.count(tenantId, { note: null })).toBe(2);
      expect(await widgets.count(tenantId, { note: { $ne: null } })).toBe(1);
      expect(await widgets.findOne(tenantId, { name: 'nothing' })).toBeNull();
    });

    it('when a document fails its schema, then nothing is written and the failing fields are named', async () => {
      const { widgets } = context.shared();
      const tenantId = newTenantId();
      const invalid = { ...buildWidget(), price: -1, status: 'melted' } as unknown as ReturnType<typeof buildWidget>;

      const failure = await widgets.insert(tenantId, invalid).catch((error: unknown) => error);

      expect(failure).toBeInstanceOf(ValidationFailedError);
      expect((failure as ValidationFailedError).issues.map((issue) => issue.field).sort()).toEqual(['price', 'status']);
      expect(await widgets.count(tenantId)).toBe(0);
    });

    it('when an update would break the schema, then it is refused and the document is unchanged', async () => {
      const { widgets } = context.shared();
      const tenantId = newTenantId();
      const original = await widgets.insert(tenantId, buildWidget());
      await expect(widgets.update(tenantId, original.id, { name: '' })).rejects.toBeInstanceOf(ValidationFailedError);
      expect(await widgets.findById(tenantId, original.id)).toEqual(original);
    });

    it('when list options are invalid, then the call is a validation failure', async () => {
      const { widgets } = context.shared();
      const tenantId = newTenantId();
      await expect(widgets.list(tenantId, { limit: 0 })).rejects.toBeInstanceOf(ValidationFailedError);
      await expect(widgets.list(tenantId, { cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(ValidationFailedError);
    });
  });
}
