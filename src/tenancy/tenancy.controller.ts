import { Body, Controller, Get, HttpCode, Ip, Patch, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';

import { Authenticated, CurrentPrincipal, Roles } from './auth.guards';
import type { Principal } from './principal';
import { TenancyService } from './tenancy.service';
import { CreateUserDto, LoginDto, SignupDto, UpdateUserDto } from './tenancy.dto';
import { IdParam } from '../common/id-param';

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
@Authenticated()
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
  update(@CurrentPrincipal() actor: Principal, @IdParam() id: string, @Body() body: UpdateUserDto) {
    return this.tenancy.setActive(actor, id, body.active);
  }

  @Get('tenant')
  tenant(@CurrentPrincipal() actor: Principal) {
    return this.tenancy.getTenant(actor);
  }
}
