/** One fetch in progress for a key; everyone asking for the key meanwhile shares its outcome. */
export interface Flight<T> {
  readonly tenantId: string;
  readonly outcome: Promise<T>;
  /** Set when the tenant's responses were purged while this fetch ran: its result must not be stored. */
  purged: boolean;
}

/**
 * In-process single-flight: at most one fetch per key at a time. The key is a tenant cache key, so
 * flights of two tenants can never be shared.
 */
export class SingleFlight<T> {
  private readonly flights = new Map<string, Flight<T>>();

  /** The flight to join for `key`; none once its tenant was purged (its answer predates the purge). */
  get(key: string): Flight<T> | undefined {
    const flight = this.flights.get(key);
    return flight && !flight.purged ? flight : undefined;
  }

  /** Starts `work` as the flight for `key` (replacing a purged one); the flight ends when `work` settles. */
  start(key: string, tenantId: string, work: (flight: Flight<T>) => Promise<T>): Flight<T> {
    const flight: { tenantId: string; outcome: Promise<T>; purged: boolean } = {
      tenantId,
      purged: false,
      outcome: Promise.resolve(undefined as never),
    };
    this.flights.set(key, flight);
    flight.outcome = Promise.resolve()
      .then(() => work(flight))
      .finally(() => {
        if (this.flights.get(key) === flight) this.flights.delete(key);
      });
    return flight;
  }

  /** Marks the tenant's flights: what they fetched predates the purge, so it is neither stored nor shared with later requests. */
  markPurged(tenantId: string): void {
    for (const flight of this.flights.values()) if (flight.tenantId === tenantId) flight.purged = true;
  }

  get size(): number {
    return this.flights.size;
  }
}
