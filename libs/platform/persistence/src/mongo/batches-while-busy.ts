/**
 * Items added while a batch is being written (or in the same event-loop turn) wait and go out together
 * in the next batch: one database call for a burst instead of one each. On FerretDB (SQLite: one write
 * transaction at a time for the whole database) that is one transaction instead of many contending.
 * `write` settles each item of its batch itself and must not reject.
 */
export class BatchesWhileBusy<TItem> {
  private queue: TItem[] = [];
  private busy = false;

  constructor(
    private readonly write: (batch: TItem[]) => Promise<void>,
    private readonly maxBatch = Number.POSITIVE_INFINITY,
  ) {}

  add(item: TItem): void {
    this.queue.push(item);
    if (this.busy) return;
    this.busy = true;
    setImmediate(() => void this.drain());
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) await this.write(this.queue.splice(0, this.maxBatch));
    this.busy = false;
  }
}
