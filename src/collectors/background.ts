import { errorMessage, type Logger } from '../log';

/**
 * A value refreshed on a timer, off the scrape path: for facts that only a slow source (a
 * PowerShell/WMI process) can give. Scrapes read the latest value; a failed refresh keeps the
 * previous one and is logged.
 */
export class BackgroundValue<T> {
  private value: T | undefined;
  private first: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly what: string,
    private readonly read: () => Promise<T>,
    private readonly log: Logger,
    private readonly refreshMs = 60_000,
  ) {}

  /** Starts refreshing (once); the timer never keeps the process alive. */
  start(): void {
    if (this.first) return;
    this.first = this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.refreshMs);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
  }

  /** The latest value, or undefined before the first successful refresh. */
  get latest(): T | undefined {
    return this.value;
  }

  /** Waits for the first refresh, or until `signal` aborts; then the latest value. */
  async firstValue(signal?: AbortSignal): Promise<T | undefined> {
    this.start();
    if (this.value === undefined && !signal?.aborted) {
      await Promise.race([this.first, new Promise((r) => signal?.addEventListener('abort', r, { once: true }))]);
    }
    return this.value;
  }

  async refresh(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      this.value = await this.read();
      this.log.debug(`${this.what} refreshed`);
    } catch (err) {
      this.log.warn(`${this.what} refresh failed`, { err: errorMessage(err) });
    } finally {
      this.running = false;
    }
  }
}
