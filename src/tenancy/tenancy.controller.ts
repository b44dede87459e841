import { Body, Controller, Get, HttpCode, Ip, Param, ParseUUIDPipe, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { invalid } from '../../libs/domain/src';
import { CurrentPrincipal, JwtAuthGuard, Roles, RolesGuard } from './auth.guards';
import type { Principal } from './principal';
import { TenancyService } from './tenancy.service';
import { CreateUserDto, LoginDto, SignupDto, UpdateUserDto } from './tenancy.dto';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(private readonly tenancy: TenancyService) {}

  @Post('signup')
  signup(@Body() body: SignupDto, @Ip() ip: string) {
    return this.tenancy.signup(body, ip);
  }

  @Post('login')
  @HttpCode(200)
  login(@Body() body: LoginDto, @Ip() ip: string) {
    return this.tenancy.login(body.email, body.password, ip);
  }
}

@ApiTags('users')
@ApiBearerAuth()
@UseGuards(JwtAuthGuard, RolesGuard)
@Controller('api')
export class UsersController {
  constructor(private readonly tenancy: TenancyService) {}

  @Post('users')
  @Roles('owner', 'admin')
  create(@CurrentPrincipal() actor: Principal, @Body() body: CreateUserDto) {
    return this.tenancy.createUser(actor, body);
  }

  @Get('users')
  @Roles('owner', 'admin')
  list(@CurrentPrincipal() actor: Principal) {
    return this.tenancy.listUsers(actor).then((items) => ({ items }));
  }

  /** Deactivates or reactivates a user (owner or admin, within their powers). */
  @Patch('users/:id')
  @Roles('owner', 'admin')
  update(@CurrentPrincipal() actor: Principal, @Param('id', new ParseUUIDPipe({ exceptionFactory: () => invalid('INVALID_ID', 'id must be a UUID') })) id: string, @Body() body: UpdateUserDto) {
    return this.tenancy.setActive(actor, id, body.active);
  }

  @Get('tenant')
  tenant(@CurrentPrincipal() actor: Principal) {
    return this.tenancy.getTenant(actor);
  }
}
