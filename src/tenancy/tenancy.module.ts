import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { AppConfig } from '../config/app-config';
import { JwtAuthGuard, RolesGuard } from './auth.guards';
import { JwtStrategy } from './jwt.strategy';
import { PasswordHasher } from './password-hasher';
import { TenantDirectory } from './tenant-directory';
import { AuthController, UsersController } from './tenancy.controller';
import { TenancyService } from './tenancy.service';

@Module({
  imports: [
    PassportModule,
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        secret: config.jwtSecret,
        signOptions: { algorithm: 'HS256', expiresIn: config.jwtTtlSeconds },
        verifyOptions: { algorithms: ['HS256'] },
      }),
    }),
  ],
  controllers: [AuthController, UsersController],
  providers: [TenancyService, TenantDirectory, PasswordHasher, JwtStrategy, JwtAuthGuard, RolesGuard],
  exports: [TenantDirectory, JwtAuthGuard, RolesGuard],
})
export class TenancyModule {}
