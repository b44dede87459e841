import type { DataSource, EntityManager } from 'typeorm';

/**
 * The rows a statement returned, whatever its verb: TypeORM's `query` answers UPDATE and DELETE
 * with `[rows, count]` but SELECT and INSERT with `rows`, an easy trap with RETURNING.
 */
export async function rows<T = Record<string, any>>(db: EntityManager | DataSource, sql: string, params: unknown[] = []): Promise<T[]> {
  const result = await db.query(sql, params);
  if (/^\s*(update|delete)\b/i.test(sql)) return (result as [T[], number])[0];
  return result as T[];
}

export async function firstRow<T = Record<string, any>>(db: EntityManager | DataSource, sql: string, params: unknown[] = []): Promise<T | undefined> {
  return (await rows<T>(db, sql, params))[0];
}
