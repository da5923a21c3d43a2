import { ConflictError, NotFoundError } from '@tenantry/contracts';
import type { Page } from '@tenantry/persistence';
import type { Ticket, TicketFields, TicketRepository } from './ticket.collection';

/** A tenant's triaged support tickets: written by automate_support (once per task), read through the API. */
export class SupportTickets {
  constructor(readonly repository: TicketRepository) {}

  /** The ticket's id for the task that triages it: ids keep the tasks' time order, and a retried run finds its ticket. */
  static idFor(taskId: string): string {
    return `stk_${taskId.replace(/^tsk_/, '')}`;
  }

  /** Records the ticket of task `fields.task_id` once: a retry of that task returns the one it recorded. */
  async recordOnce(tenantId: string, fields: TicketFields): Promise<Ticket> {
    const id = SupportTickets.idFor(fields.task_id);
    const existing = await this.repository.findById(tenantId, id);
    if (existing) return existing;
    try {
      return await this.repository.insert(tenantId, fields, { id });
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      const raced = await this.repository.findById(tenantId, id);
      if (!raced) throw error;
      return raced;
    }
  }

  /** Newest first. */
  list(tenantId: string, query: { limit: number; cursor?: string }): Promise<Page<Ticket>> {
    return this.repository.list(tenantId, { limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}), sort: 'desc' });
  }

  async get(tenantId: string, id: string): Promise<Ticket> {
    const ticket = await this.repository.findById(tenantId, id);
    if (!ticket) throw new NotFoundError(`Ticket ${id} not found.`);
    return ticket;
  }
}
