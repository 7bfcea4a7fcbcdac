// One poller per run, shared by every live stream that follows it: a run watched from a hundred
// browsers is described and queried once an interval, not a hundred times (a query of a run no
// worker holds in its cache replays its whole history).
export interface RunSnapshot {
  /** Temporal's word for the run: RUNNING, COMPLETED… or UNKNOWN while Temporal does not answer. */
  execution: string;
  progress: unknown;
}

export interface RunFollower {
  /** The run's progress, at once the latest known, then whenever it changes. */
  progress(snapshot: RunSnapshot): void;
  /** The run is over (after its last progress). */
  closed(execution: string): void;
}

interface Followed {
  followers: Set<RunFollower>;
  last?: { text: string; snapshot: RunSnapshot };
  /** Wakes the poller from its wait, once nobody follows the run. */
  wake?: () => void;
}

export class RunProgressPollers {
  readonly #runs = new Map<string, Followed>();

  constructor(private readonly read: (workflowId: string) => Promise<RunSnapshot>, private readonly intervalMs = 1000) {}

  /** Follows a run until the returned function is called or the run closes. */
  follow(workflowId: string, follower: RunFollower): () => void {
    let run = this.#runs.get(workflowId);
    if (run) {
      run.followers.add(follower);
      if (run.last) follower.progress(run.last.snapshot);
    } else {
      run = { followers: new Set([follower]) };
      this.#runs.set(workflowId, run);
      void this.#poll(workflowId, run);
    }
    const followed = run;
    return () => {
      followed.followers.delete(follower);
      if (followed.followers.size > 0) return;
      if (this.#runs.get(workflowId) === followed) this.#runs.delete(workflowId);
      followed.wake?.();
    };
  }

  /** Runs followed now, for tests and metrics. */
  get size(): number {
    return this.#runs.size;
  }

  async #poll(workflowId: string, run: Followed): Promise<void> {
    while (run.followers.size > 0) {
      const snapshot = await this.read(workflowId);
      const text = JSON.stringify(snapshot);
      if (text !== run.last?.text) {
        run.last = { text, snapshot: JSON.parse(text) as RunSnapshot };
        for (const follower of [...run.followers]) follower.progress(run.last.snapshot);
      }
      if (snapshot.execution !== 'RUNNING' && snapshot.execution !== 'UNKNOWN') {
        if (this.#runs.get(workflowId) === run) this.#runs.delete(workflowId);
        for (const follower of [...run.followers]) follower.closed(snapshot.execution);
        run.followers.clear();
        return;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.intervalMs);
        run.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      run.wake = undefined;
    }
  }
}
