import { Injectable } from '@nestjs/common';
import type { JobKind } from './job-queue.service';

type Queue = JobKind;

/**
 * Wakes this instance's workers when it enqueued work, so they need not wait for the next poll.
 * At shutdown, stops them all at once with one deadline: Nest runs the shutdown hooks module by
 * module, so each worker on its own would keep claiming, and start its grace period afresh,
 * while the workers of the modules before it finish.
 */
@Injectable()
export class WorkSignal {
  private readonly listeners = new Map<Queue, Set<() => void>>();
  private readonly stoppers = new Set<() => void>();
  private stopBy?: number;

  /** `stop` is called when the instance begins to stop (it should stop claiming, not wait). */
  whenStopping(stop: () => void): () => void {
    this.stoppers.add(stop);
    return () => this.stoppers.delete(stop);
  }

  /** The first call stops every worker's claiming; answers when they must all have finished (`graceMs` from then). */
  stopping(graceMs: number): number {
    if (this.stopBy === undefined) {
      this.stopBy = Date.now() + graceMs;
      for (const stop of this.stoppers) stop();
    }
    return this.stopBy;
  }

  notify(queue: Queue): void {
    for (const wake of this.listeners.get(queue) ?? []) wake();
  }

  subscribe(queue: Queue, wake: () => void): () => void {
    const set = this.listeners.get(queue) ?? new Set();
    set.add(wake);
    this.listeners.set(queue, set);
    return () => set.delete(wake);
  }
}
