import { Injectable } from '@nestjs/common';
import type { JobKind } from './job-queue.service';

type Queue = JobKind;

/** Wakes this instance's workers when it enqueued work, so they need not wait for the next poll. */
@Injectable()
export class WorkSignal {
  private readonly listeners = new Map<Queue, Set<() => void>>();

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
