/**
 * One memory budget shared by every image a process decodes at once. Each decode reserves what it
 * was estimated to allocate (src/domain/decode-memory.ts) and waits, first come first served, until
 * that much is free. Two images that fit side by side run side by side; a big one waits for the
 * others to finish and runs alone. Peak memory is then bounded by the budget, whatever the
 * concurrency and whatever the mix of a batch.
 */
export class DecodeMemoryGate {
  private inUseBytes = 0;
  private readonly waiting: { bytes: number; grant: () => void }[] = [];
  /** Highest reservation held at once so far, for tests and benchmarks. */
  peakBytes = 0;

  constructor(readonly budgetBytes: number) {
    if (!Number.isFinite(budgetBytes) || budgetBytes <= 0) throw new Error('budgetBytes must be positive');
  }

  /** Whether an image estimated at `bytes` can ever be decoded within the budget. */
  fits(bytes: number): boolean {
    return bytes <= this.budgetBytes;
  }

  /**
   * Reserves `bytes`, waiting until they are free, and returns the function that releases them
   * (call it exactly once, in a `finally`). Throws for more than the whole budget: see `fits`.
   */
  async reserve(bytes: number): Promise<() => void> {
    if (!this.fits(bytes)) throw new Error(`${bytes} bytes can never fit a budget of ${this.budgetBytes}`);
    if (this.waiting.length > 0 || this.inUseBytes + bytes > this.budgetBytes) {
      await new Promise<void>((grant) => this.waiting.push({ bytes, grant }));
    } else {
      this.take(bytes);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inUseBytes -= bytes;
      this.admitWaiting();
    };
  }

  private take(bytes: number): void {
    this.inUseBytes += bytes;
    this.peakBytes = Math.max(this.peakBytes, this.inUseBytes);
  }

  // In arrival order: the head of the queue is never overtaken by smaller requests behind it, so
  // a big image cannot starve.
  private admitWaiting(): void {
    while (this.waiting.length > 0 && this.inUseBytes + this.waiting[0]!.bytes <= this.budgetBytes) {
      const next = this.waiting.shift()!;
      this.take(next.bytes);
      next.grant();
    }
  }
}
