// A page that follows something live: reads it now, then again every few seconds while the page is
// open (faster while it changes), so status and health stay current without a reload.
import { getJson } from '../lib/api.ts';

export class LiveRead<T> {
  value = $state<T | undefined>();
  error = $state('');
  private latest = 0;

  constructor(private readonly path: string, private readonly what: string) {}

  async refresh(): Promise<void> {
    const request = ++this.latest;
    try {
      const value = await getJson<T>(this.path);
      if (request !== this.latest) return;
      this.value = value;
      this.error = '';
    } catch (error) {
      if (request === this.latest) this.error = `Could not read the ${this.what}: ${(error as Error).message}`;
    }
  }

  /** Polls until the returned function is called (an $effect's teardown): every `fastMs` while `moving`, else every `slowMs`. */
  follow(moving: (value: T) => boolean, fastMs = 1500, slowMs = 5000): () => void {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const tick = async () => {
      await this.refresh();
      if (!stopped) timer = setTimeout(tick, this.value && moving(this.value) ? fastMs : slowMs);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }
}
