/** A wake-up that is not lost when it comes before the wait: `wait` then returns at once. */
export class WakeSignal {
  private pending = false;
  private resolve?: () => void;

  notify(): void {
    this.pending = true;
    const resolve = this.resolve;
    this.resolve = undefined;
    resolve?.();
  }

  /** Resolves at the next (or a missed) notify, or after `timeoutMs`. */
  wait(timeoutMs: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      this.resolve = done;
      const self = this;
      function done() {
        clearTimeout(timer);
        self.pending = false;
        if (self.resolve === done) self.resolve = undefined;
        resolve();
      }
    });
  }
}
