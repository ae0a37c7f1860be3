/**
 * Runs `tick` every `intervalMs` (never two at once) until stopped. An error in a tick is handed
 * to `onError` and the loop goes on: a node that briefly refuses a request must not stop a
 * service. `stop()` resolves after the running tick finished.
 */
export class PollLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private waiters: (() => void)[] = [];

  constructor(
    readonly name: string,
    private readonly intervalMs: number,
    private readonly tick: () => Promise<void>,
    private readonly onError: (name: string, error: unknown) => void,
  ) {}

  start(): this {
    this.schedule(0);
    return this;
  }

  /** Runs a tick now (or right after the current one) and resolves when a full tick completed. */
  async poke(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.waiters.push(resolve);
      if (this.running === undefined) {
        clearTimeout(this.timer);
        this.schedule(0);
      }
    });
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const waiters = this.waiters.splice(0);
      this.running = this.tick()
        .catch((error: unknown) => this.onError(this.name, error))
        .finally(() => {
          this.running = undefined;
          for (const resolve of waiters) resolve();
          this.schedule(this.waiters.length > 0 ? 0 : this.intervalMs);
        });
    }, delay);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}
