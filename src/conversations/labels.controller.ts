import { Body, Controller, Delete, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-contract';
import { invalid } from '../../libs/domain/src';
import { IdParam } from '../common/id-param';
import { Authenticated, CurrentPrincipal, Roles } from '../tenancy/auth.guards';
import type { Principal } from '../tenancy/principal';
import { LabelService } from './labels.service';
import { CreateLabelDto, LabelListResponse, LabelResponse, UpdateLabelDto } from './triage.dto';
import { labelResponse } from './triage.responses';

/** The organization's labels: everyone reads and applies them, owners and admins define them. */
@ApiTags('labels')
@Authenticated()
@Controller('api/labels')
export class LabelsController {
  constructor(private readonly labels: LabelService) {}

  @Get()
  @ApiOkResponse({ type: LabelListResponse })
  async list(@CurrentPrincipal() p: Principal) {
    return { items: (await this.labels.list(p)).map(labelResponse) };
  }

  @Get(':id')
  @ApiOkResponse({ type: LabelResponse })
  @ApiErrors('LABEL_NOT_FOUND')
  async get(@CurrentPrincipal() p: Principal, @IdParam() id: string) {
    return labelResponse(await this.labels.get(p, id));
  }

  @Post()
  @Roles('owner', 'admin')
  @ApiOperation({ summary: 'Create a label (409 LABEL_NAME_TAKEN when the name exists, whatever its case)' })
  @ApiCreatedResponse({ type: LabelResponse })
  @ApiErrors('LABEL_NAME_TAKEN', 'TOO_MANY_LABELS')
  async create(@CurrentPrincipal() p: Principal, @Body() body: CreateLabelDto) {
    return labelResponse(await this.labels.create(p, body));
  }

  @Patch(':id')
  @Roles('owner', 'admin')
  @ApiOkResponse({ type: LabelResponse })
  @ApiErrors('LABEL_NOT_FOUND', 'LABEL_NAME_TAKEN', 'EMPTY_PATCH')
  async update(@CurrentPrincipal() p: Principal, @IdParam() id: string, @Body() body: UpdateLabelDto) {
    if (body.name === undefined && body.colour === undefined) throw invalid('EMPTY_PATCH', 'Send name and/or colour');
    return labelResponse(await this.labels.update(p, id, body));
  }

  @Delete(':id')
  @Roles('owner', 'admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a label; it is taken off every conversation' })
  @ApiNoContentResponse()
  @ApiErrors('LABEL_NOT_FOUND')
  async remove(@CurrentPrincipal() p: Principal, @IdParam() id: string): Promise<void> {
    await this.labels.remove(p, id);
  }
}
