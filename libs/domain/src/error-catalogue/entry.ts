/** One error code's entry: the status it is answered with, what it means and what a client should do. */
export interface ErrorEntry {
  /** The status this code is answered with (a few codes answer with more than one, per route). */
  readonly status: number | readonly number[];
  readonly meaning: string;
  readonly action: string;
}

export const FIX = 'Fix the request as the message says; retrying it unchanged fails again.';
export const RETRY = 'Retry later with backoff; nothing was changed.';
export const CHECK_ID = 'Check the id; ids of another organization answer this too. Refresh your copy of the list.';
