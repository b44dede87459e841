import type { DataSource, EntityManager } from 'typeorm';

/** A row of raw SQL: columns are read by name and narrowed where used, as pg's own typings do. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type SqlRow = Record<string, any>;

/**
 * The rows a statement returned, whatever its verb: TypeORM's `query` answers UPDATE and DELETE
 * with `[rows, count]` but SELECT and INSERT with `rows`, an easy trap with RETURNING. Told apart
 * by the answer's shape (a row is never an array), as the verb of `with … update` is not the first word.
 */
export async function rows<T = SqlRow>(db: EntityManager | DataSource, sql: string, params: unknown[] = []): Promise<T[]> {
  const result = (await db.query(sql, params)) as T[] | [T[], number];
  if (result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0];
  return result as T[];
}

export async function firstRow<T = SqlRow>(db: EntityManager | DataSource, sql: string, params: unknown[] = []): Promise<T | undefined> {
  return (await rows<T>(db, sql, params))[0];
}
