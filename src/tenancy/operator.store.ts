import { Injectable } from '@nestjs/common';
import { RegionDatabases } from '../database/region-databases';
import { firstRow } from '../database/sql';

/** `directory.operators`: platform staff accounts, by login hash (no e-mail address is stored). */
@Injectable()
export class OperatorStore {
  constructor(private readonly dbs: RegionDatabases) {}

  /** Null when an operator with this login exists already. */
  async insert(loginHash: string, passwordHash: string): Promise<{ id: string } | null> {
    const row = await firstRow<{ id: string }>(
      this.dbs.directory(),
      `insert into directory.operators (login_hash, password_hash) values ($1, $2) on conflict (login_hash) do nothing returning id`,
      [loginHash, passwordHash],
    );
    return row ?? null;
  }

  async findByLogin(loginHash: string): Promise<{ id: string; passwordHash: string } | null> {
    const row = await firstRow<{ id: string; password_hash: string }>(
      this.dbs.directory(),
      `select id, password_hash from directory.operators where login_hash = $1`,
      [loginHash],
    );
    return row ? { id: row.id, passwordHash: row.password_hash } : null;
  }

  async exists(id: string): Promise<boolean> {
    return (await firstRow(this.dbs.directory(), `select 1 from directory.operators where id = $1`, [id])) !== undefined;
  }
}
