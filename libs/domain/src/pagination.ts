/** Keyset position: the sort timestamp and id of the last item of the previous page. */
export interface PageCursor {
  at: Date;
  id: string;
}

export interface PageRequest {
  limit: number;
  after?: PageCursor;
}

export interface Page<T> {
  items: T[];
  next?: PageCursor;
}
