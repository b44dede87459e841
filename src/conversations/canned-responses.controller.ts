import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-contract';
import { IsOptional, IsString, Matches, MaxLength, ValidateIf } from 'class-validator';
import { invalid } from '../../libs/domain/src';
import { IdParam } from '../common/id-param';
import { Authenticated, CurrentPrincipal, Roles } from '../tenancy/auth.guards';
import type { Principal } from '../tenancy/principal';
import { CannedResponse, CannedResponseService } from './canned-responses.service';

const SHORT_CODE = /^[A-Za-z0-9_-]{1,32}$/;
const TEXT_DESCRIPTION = 'Up to 4096 characters; {{contact.name}} and {{agent.name}} are filled in when the reply is sent';

export class CreateCannedResponseDto {
  @ApiProperty({ example: 'thanks', description: 'Letters, digits, _ and -, up to 32; unique whatever the case' })
  @IsString()
  @Matches(SHORT_CODE, { message: 'shortCode is 1 to 32 letters, digits, _ or -' })
  shortCode: string;

  @ApiProperty({ example: 'Thank you, {{contact.name}}! {{agent.name}}', description: TEXT_DESCRIPTION })
  @IsString()
  @Matches(/\S/, { message: 'text must not be blank' })
  @MaxLength(4096)
  text: string;
}

export class UpdateCannedResponseDto {
  @ApiPropertyOptional()
  @ValidateIf((_, v) => v !== undefined)
  @IsString()
  @Matches(SHORT_CODE, { message: 'shortCode is 1 to 32 letters, digits, _ or -' })
  shortCode?: string;

  @ApiPropertyOptional({ description: TEXT_DESCRIPTION })
  @ValidateIf((_, v) => v !== undefined)
  @IsString()
  @Matches(/\S/, { message: 'text must not be blank' })
  @MaxLength(4096)
  text?: string;
}

export class ListCannedResponsesQueryDto {
  @ApiPropertyOptional({ maxLength: 100, description: 'Part of the short code or the text (short-code prefixes first)' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  q?: string;
}

export class CannedResponseResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() shortCode: string;
  @ApiProperty() text: string;
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
}

export class CannedResponseListResponse {
  @ApiProperty({ type: [CannedResponseResponse] }) items: CannedResponseResponse[];
}

const cannedResponse = (c: CannedResponse) => ({ id: c.id, shortCode: c.shortCode, text: c.text, createdAt: c.createdAt, updatedAt: c.updatedAt });

/** Saved replies: every agent finds and uses them; owners and admins write them. */
@ApiTags('canned-responses')
@Authenticated()
@Controller('api/canned-responses')
export class CannedResponsesController {
  constructor(private readonly canned: CannedResponseService) {}

  @Get()
  @ApiOkResponse({ type: CannedResponseListResponse })
  async list(@CurrentPrincipal() p: Principal, @Query() q: ListCannedResponsesQueryDto) {
    const query = q.q?.trim();
    return { items: (await this.canned.list(p, query ? query : undefined)).map(cannedResponse) };
  }

  @Get(':id')
  @ApiOkResponse({ type: CannedResponseResponse })
  @ApiErrors('CANNED_RESPONSE_NOT_FOUND')
  async get(@CurrentPrincipal() p: Principal, @IdParam() id: string) {
    return cannedResponse(await this.canned.get(p, id));
  }

  @Post()
  @Roles('owner', 'admin')
  @ApiOperation({ summary: 'Create a canned response (409 SHORT_CODE_TAKEN when the code exists, whatever its case)' })
  @ApiCreatedResponse({ type: CannedResponseResponse })
  @ApiErrors('SHORT_CODE_TAKEN', 'TOO_MANY_CANNED_RESPONSES')
  async create(@CurrentPrincipal() p: Principal, @Body() body: CreateCannedResponseDto) {
    return cannedResponse(await this.canned.create(p, body));
  }

  @Patch(':id')
  @Roles('owner', 'admin')
  @ApiOkResponse({ type: CannedResponseResponse })
  @ApiErrors('CANNED_RESPONSE_NOT_FOUND', 'SHORT_CODE_TAKEN', 'EMPTY_PATCH')
  async update(@CurrentPrincipal() p: Principal, @IdParam() id: string, @Body() body: UpdateCannedResponseDto) {
    if (body.shortCode === undefined && body.text === undefined) throw invalid('EMPTY_PATCH', 'Send shortCode and/or text');
    return cannedResponse(await this.canned.update(p, id, body));
  }

  @Delete(':id')
  @Roles('owner', 'admin')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiErrors('CANNED_RESPONSE_NOT_FOUND')
  async remove(@CurrentPrincipal() p: Principal, @IdParam() id: string): Promise<void> {
    await this.canned.remove(p, id);
  }
}
