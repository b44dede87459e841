import { Global, Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { AppConfig } from '../config/app-config';
import { AccessGrantStore } from './access-grant.store';
import { AccountLinkStore } from './account-link.store';
import { ApiKeyStore } from './api-key.store';
import { ApiKeys } from './api-keys.service';
import { ApiKeysController } from './api-keys.controller';
import { AccountLinks } from './account-links.service';
import { AccountRecovery } from './account-recovery.service';
import { Invitations } from './invitations.service';
import { SessionStore } from './session.store';
import { Sessions } from './sessions.service';
import { AccessGrantsController } from './access-grants.controller';
import { AccessGrantsService } from './access-grants.service';
import { AuthThrottle } from './auth-throttle.service';
import { AuthController } from './auth.controller';
import { JwtAuthGuard, RolesGuard, VerifiedAccessTokens } from './auth.guards';
import { jwtKey } from './jwt-key';
import { JwtStrategy } from './jwt.strategy';
import { OperatorAccess } from './operator-access.service';
import { OperatorAuthController } from './operator-auth.controller';
import { OperatorStore } from './operator.store';
import { OperatorsService } from './operators.service';
import { PasswordHasher } from './password-hasher.service';
import { PasswordPolicy } from './password-policy.service';
import { SessionValidity } from './session-validity.service';
import { TenancyService } from './tenancy.service';
import { TenantController } from './tenant.controller';
import { TenantDirectory } from './tenant-directory.store';
import { TenantStore } from './tenant.store';
import { UserStore } from './user.store';
import { UsersController } from './users.controller';

/** Global: every module's controllers use its guards, and the guards need its services. */
@Global()
@Module({
  imports: [
    PassportModule,
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        secret: jwtKey(config),
        signOptions: { algorithm: 'HS256', expiresIn: config.jwtTtlSeconds },
        verifyOptions: { algorithms: ['HS256'] },
      }),
    }),
  ],
  controllers: [AuthController, UsersController, TenantController, AccessGrantsController, OperatorAuthController, ApiKeysController],
  providers: [
    TenancyService,
    TenantDirectory,
    TenantStore,
    UserStore,
    OperatorStore,
    AccessGrantStore,
    AccessGrantsService,
    PasswordHasher,
    PasswordPolicy,
    AuthThrottle,
    SessionValidity,
    JwtStrategy,
    JwtAuthGuard,
    VerifiedAccessTokens,
    RolesGuard,
    OperatorAccess,
    OperatorsService,
    SessionStore,
    Sessions,
    AccountLinkStore,
    AccountLinks,
    AccountRecovery,
    Invitations,
    ApiKeyStore,
    ApiKeys,
  ],
  exports: [
    TenantDirectory,
    TenantStore,
    UserStore,
    JwtAuthGuard,
    VerifiedAccessTokens,
    RolesGuard,
    TenancyService,
    OperatorAccess,
    OperatorsService,
    AuthThrottle,
    SessionValidity,
    ApiKeys,
  ],
})
export class TenancyModule {}
