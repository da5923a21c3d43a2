import { ServiceUnavailableError } from '@tenantry/contracts';
import { controlInfra, describeWithInfra, eventually } from '@tenantry/testing';
import pino from 'pino';
import { buildWidget, newTenantId, widgetCollection } from '../test-support/widgets';
import { connectMongo } from './connect';

describeWithInfra('MongoDB persistence when the database goes away', ['mongo'], (infra) => {
  jest.setTimeout(120_000);

  it('when the database stops, then calls fail with 503 rather than wait for it; when it is back, the same handle works again', async () => {
    const persistence = await connectMongo({ uri: infra.mongodbUri, logger: pino({ level: 'silent' }) });
    const widgets = await persistence.repository(widgetCollection());
    const tenantId = newTenantId();
    const before = await widgets.insert(tenantId, buildWidget());
    try {
      await controlInfra('stop', 'mongo');

      for (const call of [
        () => widgets.findById(tenantId, before.id),
        () => widgets.insert(tenantId, buildWidget()),
        () => persistence.ping(),
      ]) {
        await expect(call()).rejects.toBeInstanceOf(ServiceUnavailableError);
      }
    } finally {
      await controlInfra('start', 'mongo');
    }

    await eventually(() => persistence.ping(), { timeoutMs: 30_000, description: 'the database to answer again' });
    expect(await widgets.findById(tenantId, before.id)).toEqual(before);
    await expect(widgets.insert(tenantId, buildWidget())).resolves.toMatchObject({ tenantId });
    await persistence.close();
  });
});
