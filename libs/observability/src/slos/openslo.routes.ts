import { ValidationFailedError } from '@tenantry/contracts';
import { assertAdmin, identityOf, route } from '@tenantry/http';
import { Router } from 'express';
import { z } from 'zod';
import { defaultSloDefinitions } from '../slo-definitions/definitions';
import { openSloDocumentSchema, toOpenSlo } from './openslo';
import type { SloCatalog } from './slo-catalog';

// The example of the API reference is a real definition: one made from the schema cannot match its name and window patterns.
const documentsSchema = z
  .object({ documents: z.array(openSloDocumentSchema).min(1).max(500) })
  .meta({ examples: [{ documents: defaultSloDefinitions().slice(0, 2).map(toOpenSlo) }] });

/** `GET /slos/openslo` and `PUT /slos/openslo` (admin): the SLO definitions as OpenSLO v1 documents. */
export function openSloRoutes(deps: { catalog: SloCatalog }): Router {
  const router = Router();
  router.get(
    '/slos/openslo',
    route(
      { doc: { summary: 'Every SLO definition in force as OpenSLO v1 documents (admin)', response: documentsSchema } },
      (_input, req) => {
        assertAdmin(identityOf(req));
        return { documents: deps.catalog.exportOpenSlo() };
      },
    ),
  );
  router.put(
    '/slos/openslo',
    route(
      {
        body: documentsSchema,
        doc: {
          summary: 'Replace every SLO definition with OpenSLO v1 documents (admin); evaluated from the next minute on every replica',
          response: documentsSchema,
        },
      },
      async ({ body }, req) => {
        assertAdmin(identityOf(req));
        const names = body.documents.map((document) => document.metadata.name);
        const duplicate = names.find((name, i) => names.indexOf(name) !== i);
        if (duplicate)
          throw new ValidationFailedError('SLO names must be unique', [{ field: 'documents', message: `${duplicate} appears twice` }]);
        await deps.catalog.importOpenSlo(body.documents);
        return { documents: deps.catalog.exportOpenSlo() };
      },
    ),
  );
  return router;
}
