import { NotFoundError } from '@tenantry/contracts';
import { decodeCursor, encodeCursor, type Page } from '@tenantry/http';
import { z } from 'zod';
import { DataVersionTracker, type ReadModels } from '../read-models/read-models';
import { newestFirst, type Incident, type IncidentStatus } from './correlate';

/** Whose incidents: one owner's (a tenant, or `_platform`), or every owner's (the platform admin). */
export type IncidentScope = { owner: string } | 'all';

const cursorSchema = z.object({ opened_at: z.string(), id: z.string() });

/** The incidents the API lists: derived from the alert read model at the service's clock, never stored. */
export class Incidents {
  constructor(
    private readonly models: ReadModels,
    private readonly clock: () => Date,
  ) {}

  private async read(scope: IncidentScope): Promise<Incident[]> {
    const tracker = new DataVersionTracker();
    if (scope === 'all') return (await this.models.incidentsAcrossTenants(this.clock(), tracker)).items;
    return this.models.incidentsOf(scope.owner, this.clock(), tracker);
  }

  /** Newest first; `cursor` is the position of the previous page's last incident. */
  async list(scope: IncidentScope, query: { status?: IncidentStatus; limit: number; cursor?: string }): Promise<Page<Incident>> {
    const after = query.cursor === undefined ? null : decodeCursor(query.cursor, cursorSchema);
    const matching = (await this.read(scope)).filter(
      (incident) =>
        (query.status === undefined || incident.status === query.status) &&
        (after === null || newestFirst(incident, { ...incident, opened_at: after.opened_at, id: after.id }) > 0),
    );
    const items = matching.slice(0, query.limit);
    const last = items.at(-1);
    return {
      items,
      next_cursor: matching.length > query.limit && last ? encodeCursor({ opened_at: last.opened_at, id: last.id }) : null,
    };
  }

  async get(scope: IncidentScope, id: string): Promise<Incident> {
    const incident = (await this.read(scope)).find((candidate) => candidate.id === id);
    if (!incident) throw new NotFoundError(`Incident ${id} not found.`);
    return incident;
  }
}
