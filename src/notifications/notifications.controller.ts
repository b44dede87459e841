import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { decodeCursor, toPageResponse } from '../common/cursor';
import { PageQueryDto } from '../conversations/conversation.dto';
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
    const page = await this.notifications.list(p, { limit: q.limit ?? 25, after: decodeCursor(q.cursor) });
    return toPageResponse(page, (n: Notification) => n);
  }
}
