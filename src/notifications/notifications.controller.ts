import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-contract';
import { IsIn, IsOptional } from 'class-validator';
import { toPageResponse } from '../common/cursor';
import { IdParam } from '../common/id-param';
import { PageQueryDto, pageOf } from '../common/page-query.dto';
import { Authenticated, CurrentPrincipal, Roles } from '../tenancy/auth.guards';
import type { Principal } from '../tenancy/principal';
import { Notification, NotificationService } from './notification.service';

export class ListNotificationsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'true: only those the caller has not read' })
  @IsOptional()
  @IsIn(['true', 'false'])
  unread?: 'true' | 'false';
}

export class NotificationResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({
    example: 'conversation.assigned',
    description: 'conversation.assigned, note.mention, conversation.message, or a channel notice (channel.revoked, …)',
  })
  kind: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The user it is for; null: the whole organization' }) userId: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) channelId: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) conversationId: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The colleague who caused it' }) actorId: string | null;
  @ApiProperty() message: string;
  @ApiProperty() createdAt: Date;
  @ApiProperty({ type: Date, nullable: true, description: 'When the caller read it' }) readAt: Date | null;
}

export class NotificationPageResponse {
  @ApiProperty({ type: [NotificationResponse] }) items: NotificationResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

export class ReadAllResponse {
  @ApiProperty({ description: 'How many were unread' }) marked: number;
}

const notificationResponse = (n: Notification) => ({
  id: n.id,
  kind: n.kind,
  userId: n.userId,
  channelId: n.channelId,
  conversationId: n.conversationId,
  actorId: n.actorId,
  message: n.message,
  createdAt: n.createdAt,
  readAt: n.readAt,
});

/** The caller's notifications: the organization's notices and their own, each with the caller's read state. */
@ApiTags('notifications')
@Authenticated()
@Controller('api/notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationService) {}

  @Get()
  @ApiOkResponse({ type: NotificationPageResponse })
  async list(@CurrentPrincipal() p: Principal, @Query() q: ListNotificationsQueryDto) {
    return toPageResponse(await this.notifications.list(p, p.userId, { unread: q.unread === 'true' }, pageOf(q)), notificationResponse);
  }

  @Post('read-all')
  @Roles('owner', 'admin', 'agent')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark everything the caller can see as read' })
  @ApiOkResponse({ type: ReadAllResponse })
  async readAll(@CurrentPrincipal() p: Principal) {
    return { marked: await this.notifications.markAllRead(p, p.userId) };
  }

  @Post(':id/read')
  @Roles('owner', 'admin', 'agent')
  @HttpCode(200)
  @ApiOkResponse({ type: NotificationResponse })
  @ApiErrors('NOTIFICATION_NOT_FOUND')
  async read(@CurrentPrincipal() p: Principal, @IdParam() id: string) {
    return notificationResponse(await this.notifications.markRead(p, p.userId, id));
  }
}
