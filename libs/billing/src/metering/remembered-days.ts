import type { UsageDay } from './usage-day.collection';

/**
 * The day documents this member wrote last, so the next batch of a day is one conditional write
 * (`expectedVersion` from here) instead of a read and a write. Safe when stale: versions only grow,
 * so a day another member wrote meanwhile fails the write with a conflict and is read again, and an
 * event id found here was counted by our own successful write. Least recently used days go first.
 */
export class RememberedDays {
  private readonly days = new Map<string, UsageDay>();

  constructor(private readonly capacity: number) {}

  get(id: string): UsageDay | undefined {
    const day = this.days.get(id);
    if (day) {
      this.days.delete(id);
      this.days.set(id, day);
    }
    return day;
  }

  remember(day: UsageDay): void {
    this.days.delete(day.id);
    this.days.set(day.id, day);
    if (this.days.size > this.capacity) {
      const oldest = this.days.keys().next();
      if (!oldest.done) this.days.delete(oldest.value);
    }
  }

  forget(id: string): void {
    this.days.delete(id);
  }
}
