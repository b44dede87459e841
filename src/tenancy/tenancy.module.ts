import { Global, Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { AppConfig } from '../config/app-config';
import { JwtAuthGuard, RolesGuard } from './auth.guards';
import { AccessGrantsController, OperatorAuthController } from './access-grants.controller';
import { AuthThrottle } from './auth-throttle';
import { jwtKey } from './jwt-key';
import { JwtStrategy } from './jwt.strategy';
import { OperatorAccess } from './operator-access';
import { OperatorsService } from './operators.service';
import { PasswordHasher } from './password-hasher';
import { PasswordPolicy } from './password-policy';
import { SessionValidity } from './session-validity';
import { TenantDirectory } from './tenant-directory';
import { AuthController, UsersController } from './tenancy.controller';
import { TenancyService } from './tenancy.service';

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
  controllers: [AuthController, UsersController, AccessGrantsController, OperatorAuthController],
  providers: [TenancyService, TenantDirectory, PasswordHasher, PasswordPolicy, AuthThrottle, SessionValidity, JwtStrategy, JwtAuthGuard, RolesGuard, OperatorAccess, OperatorsService],
  exports: [TenantDirectory, JwtAuthGuard, RolesGuard, TenancyService, OperatorAccess, OperatorsService, AuthThrottle, SessionValidity],
})
export class TenancyModule {}
