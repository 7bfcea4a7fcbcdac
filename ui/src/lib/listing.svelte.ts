// One list a dashboard shows: its rows, whether it is loading and why it failed. Only the answer
// to the latest request counts, so typing in a search box never shows an older result last.
import { getJson } from './api.ts';

export class Listing<T> {
  items = $state<T[]>([]);
  loading = $state(true);
  error = $state('');
  /** The path the items are the answer to: a list read for one tenant is not shown for another. */
  loadedPath = $state('');
  private latest = 0;

  async load(path: string): Promise<void> {
    const request = ++this.latest;
    this.loading = true;
    try {
      const page = await getJson<{ items: T[] }>(path);
      if (request !== this.latest) return;
      this.items = page.items;
      this.loadedPath = path;
      this.error = '';
    } catch (error) {
      if (request === this.latest) this.error = (error as Error).message;
    } finally {
      if (request === this.latest) this.loading = false;
    }
  }
}
