import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { conflict, unauthenticated } from '../../libs/domain/src';
import { RegionDatabases } from '../database/region-databases';
import { firstRow } from '../database/sql';
import { AuthThrottle } from './auth-throttle';
import { PasswordHasher } from './password-hasher';
import { PasswordPolicy } from './password-policy';
import type { AccessTokenClaims } from './principal';
import { TenantDirectory } from './tenant-directory';

/** Platform staff accounts (kept in the directory, by login hash) and their sign-in. */
@Injectable()
export class OperatorsService {
  constructor(
    private readonly dbs: RegionDatabases,
    private readonly hasher: PasswordHasher,
    private readonly jwt: JwtService,
    private readonly throttle: AuthThrottle,
    private readonly passwords: PasswordPolicy,
  ) {}

  async create(email: string, password: string): Promise<{ id: string }> {
    this.passwords.check(password, { email });
    const row = await firstRow<{ id: string }>(
      this.dbs.directory(),
      `insert into directory.operators (login_hash, password_hash) values ($1, $2) on conflict (login_hash) do nothing returning id`,
      [TenantDirectory.loginHash(`operator:${email}`), await this.hasher.hash(password)],
    );
    if (!row) throw conflict('OPERATOR_EXISTS', 'An operator with this e-mail address exists');
    return row;
  }

  /** An operator's token names no tenant: each request must be admitted by a grant. */
  async login(email: string, password: string, clientIp: string | undefined): Promise<{ accessToken: string }> {
    const loginHash = TenantDirectory.loginHash(`operator:${email}`);
    const attempt = await this.throttle.beginLogin(loginHash, clientIp);
    const row = await firstRow<{ id: string; password_hash: string }>(this.dbs.directory(), `select id, password_hash from directory.operators where login_hash = $1`, [loginHash]);
    if (!(await this.hasher.verify(row?.password_hash ?? null, password)) || !row) throw unauthenticated('INVALID_CREDENTIALS', 'E-mail or password is wrong');
    await this.throttle.loginSucceeded(attempt);
    const claims: AccessTokenClaims = { sub: row.id, role: 'operator' };
    return { accessToken: await this.jwt.signAsync(claims, { expiresIn: 3600 }) };
  }
}
