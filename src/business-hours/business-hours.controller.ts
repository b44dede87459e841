import { Body, Controller, Delete, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Clock, invalid } from '../../libs/domain/src';
import { isOpen } from '../../libs/policy/src';
import { ApiErrors } from '../common/api-contract';
import { IdParam } from '../common/id-param';
import { Authenticated, CurrentPrincipal, Roles } from '../tenancy/auth.guards';
import type { Principal } from '../tenancy/principal';
import { BusinessHoursListResponse, BusinessHoursResponse, CreateBusinessHoursDto, UpdateBusinessHoursDto } from './business-hours.dto';
import { BusinessHoursService } from './business-hours.service';
import type { BusinessHours } from './business-hours.store';

/** Business hours of channels and teams, and the automatic replies they send: everyone reads them, owners and admins set them. */
@ApiTags('business-hours')
@Authenticated()
@Controller('api/business-hours')
export class BusinessHoursController {
  constructor(
    private readonly hours: BusinessHoursService,
    private readonly clock: Clock,
  ) {}

  private response(h: BusinessHours) {
    return {
      id: h.id,
      channelId: h.channelId,
      teamId: h.teamId,
      timeZone: h.timeZone,
      weekly: h.weekly.map((i) => ({ day: i.day, open: i.open, close: i.close })),
      holidays: h.holidays,
      outOfOfficeReply: h.outOfOfficeReply,
      greeting: h.greeting,
      openNow: isOpen(h, this.clock.now()),
      createdAt: h.createdAt,
      updatedAt: h.updatedAt,
    };
  }

  @Get()
  @ApiOkResponse({ type: BusinessHoursListResponse })
  async list(@CurrentPrincipal() p: Principal) {
    return { items: (await this.hours.list(p)).map((h) => this.response(h)) };
  }

  @Get(':id')
  @ApiOkResponse({ type: BusinessHoursResponse })
  @ApiErrors('BUSINESS_HOURS_NOT_FOUND')
  async get(@CurrentPrincipal() p: Principal, @IdParam() id: string) {
    return this.response(await this.hours.get(p, id));
  }

  @Post()
  @Roles('owner', 'admin')
  @ApiOperation({ summary: "Set a channel's or a team's business hours (one schedule each)" })
  @ApiCreatedResponse({ type: BusinessHoursResponse })
  @ApiErrors('CHANNEL_NOT_FOUND@400', 'TEAM_NOT_FOUND', 'BUSINESS_HOURS_EXIST')
  async create(@CurrentPrincipal() p: Principal, @Body() body: CreateBusinessHoursDto) {
    const created = await this.hours.create(
      p,
      { channelId: body.channelId, teamId: body.teamId },
      {
        timeZone: body.timeZone,
        weekly: body.weekly,
        holidays: body.holidays ?? [],
        outOfOfficeReply: body.outOfOfficeReply ?? null,
        greeting: body.greeting ?? null,
      },
    );
    return this.response(created);
  }

  @Patch(':id')
  @Roles('owner', 'admin')
  @ApiOkResponse({ type: BusinessHoursResponse })
  @ApiErrors('BUSINESS_HOURS_NOT_FOUND', 'EMPTY_PATCH')
  async update(@CurrentPrincipal() p: Principal, @IdParam() id: string, @Body() body: UpdateBusinessHoursDto) {
    if (Object.values(body).every((v) => v === undefined)) throw invalid('EMPTY_PATCH', 'Send timeZone, weekly, holidays, outOfOfficeReply and/or greeting');
    return this.response(await this.hours.update(p, id, body));
  }

  @Delete(':id')
  @Roles('owner', 'admin')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiErrors('BUSINESS_HOURS_NOT_FOUND')
  async remove(@CurrentPrincipal() p: Principal, @IdParam() id: string): Promise<void> {
    await this.hours.remove(p, id);
  }
}
