import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { toPageResponse } from '../common/cursor';
import { PageQueryDto, pageOf } from '../common/page-query.dto';
import { Authenticated, CurrentPrincipal } from '../tenancy/auth.guards';
import type { Principal } from '../tenancy/principal';
import { Notification, NotificationService } from './notification.service';

@ApiTags('notifications')
@Authenticated()
@Controller('api/notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationService) {}

  @Get()
  async list(@CurrentPrincipal() p: Principal, @Query() q: PageQueryDto) {
    return toPageResponse(await this.notifications.list(p, pageOf(q)), (n: Notification) => n);
  }
}
