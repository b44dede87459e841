import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { conflict, unauthenticated } from '../../libs/domain/src';
import { AuthThrottle } from './auth-throttle.service';
import { OperatorStore } from './operator.store';
import { PasswordHasher } from './password-hasher.service';
import { PasswordPolicy } from './password-policy.service';
import type { AccessTokenClaims } from './principal';
import { TenantDirectory } from './tenant-directory.store';

/** Platform staff accounts (kept in the directory, by login hash) and their sign-in. */
@Injectable()
export class OperatorsService {
  constructor(
    private readonly operators: OperatorStore,
    private readonly hasher: PasswordHasher,
    private readonly jwt: JwtService,
    private readonly throttle: AuthThrottle,
    private readonly passwords: PasswordPolicy,
  ) {}

  async create(email: string, password: string): Promise<{ id: string }> {
    this.passwords.check(password, { email });
    const row = await this.operators.insert(TenantDirectory.loginHash(`operator:${email}`), await this.hasher.hash(password));
    if (!row) throw conflict('OPERATOR_EXISTS', 'An operator with this e-mail address exists');
    return row;
  }

  /** An operator's token names no tenant: each request must be admitted by a grant. */
  async login(email: string, password: string, clientIp: string | undefined): Promise<{ accessToken: string }> {
    const loginHash = TenantDirectory.loginHash(`operator:${email}`);
    const attempt = await this.throttle.beginLogin(loginHash, clientIp);
    const row = await this.operators.findByLogin(loginHash);
    if (!(await this.hasher.verify(row?.passwordHash ?? null, password)) || !row) throw unauthenticated('INVALID_CREDENTIALS', 'E-mail or password is wrong');
    await this.throttle.loginSucceeded(attempt);
    const claims: AccessTokenClaims = { sub: row.id, role: 'operator' };
    return { accessToken: await this.jwt.signAsync(claims, { expiresIn: 3600 }) };
  }
}
