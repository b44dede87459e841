import { Body, Controller, Get, Patch, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { IdParam } from '../common/id-param';
import { Authenticated, CurrentPrincipal } from './auth.guards';
import type { Principal } from './principal';
import { TenancyService } from './tenancy.service';
import { CreateUserDto, UpdateUserDto } from './tenancy.dto';

@ApiTags('users')
@Authenticated({ roles: ['owner', 'admin'] })
@Controller('api/users')
export class UsersController {
  constructor(private readonly tenancy: TenancyService) {}

  @Post()
  create(@CurrentPrincipal() actor: Principal, @Body() body: CreateUserDto) {
    return this.tenancy.createUser(actor, body);
  }

  @Get()
  list(@CurrentPrincipal() actor: Principal) {
    return this.tenancy.listUsers(actor).then((items) => ({ items }));
  }

  /** Deactivates or reactivates a user (owner or admin, within their powers). */
  @Patch(':id')
  update(@CurrentPrincipal() actor: Principal, @IdParam() id: string, @Body() body: UpdateUserDto) {
    return this.tenancy.setActive(actor, id, body.active);
  }
}
