import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { invalid } from '../../libs/domain/src';
import { ApiErrors } from '../common/api-contract';
import { IdParam } from '../common/id-param';
import { Authenticated, CurrentPrincipal, Roles } from '../tenancy/auth.guards';
import type { Principal } from '../tenancy/principal';
import {
  AttributeDefinitionListResponse,
  AttributeDefinitionResponse,
  AttributeDefinitionsQueryDto,
  CreateAttributeDefinitionDto,
  UpdateAttributeDefinitionDto,
  attributeDefinitionResponse,
} from './attribute-definitions.dto';
import { AttributeDefinitionService } from './attribute-definitions.service';

/** The organization's custom attributes: everyone reads them and fills them in, owners and admins define them. */
@ApiTags('attributes')
@Authenticated()
@Controller('api/attribute-definitions')
export class AttributeDefinitionsController {
  constructor(private readonly definitions: AttributeDefinitionService) {}

  @Get()
  @ApiOkResponse({ type: AttributeDefinitionListResponse })
  async list(@CurrentPrincipal() p: Principal, @Query() q: AttributeDefinitionsQueryDto) {
    return { items: (await this.definitions.list(p, q.entity)).map(attributeDefinitionResponse) };
  }

  @Get(':id')
  @ApiOkResponse({ type: AttributeDefinitionResponse })
  @ApiErrors('ATTRIBUTE_NOT_FOUND')
  async get(@CurrentPrincipal() p: Principal, @IdParam() id: string) {
    return attributeDefinitionResponse(await this.definitions.get(p, id));
  }

  @Post()
  @Roles('owner', 'admin')
  @ApiOperation({ summary: 'Define a custom attribute for contacts or conversations' })
  @ApiCreatedResponse({ type: AttributeDefinitionResponse })
  @ApiErrors('ATTRIBUTE_KEY_TAKEN', 'TOO_MANY_ATTRIBUTES')
  async create(@CurrentPrincipal() p: Principal, @Body() body: CreateAttributeDefinitionDto) {
    return attributeDefinitionResponse(await this.definitions.create(p, body));
  }

  @Patch(':id')
  @Roles('owner', 'admin')
  @ApiOperation({ summary: "Rename it, or change a list's options (its key and type stay)" })
  @ApiOkResponse({ type: AttributeDefinitionResponse })
  @ApiErrors('ATTRIBUTE_NOT_FOUND', 'EMPTY_PATCH')
  async update(@CurrentPrincipal() p: Principal, @IdParam() id: string, @Body() body: UpdateAttributeDefinitionDto) {
    if (body.label === undefined && body.options === undefined) throw invalid('EMPTY_PATCH', 'Send label and/or options');
    return attributeDefinitionResponse(await this.definitions.update(p, id, body));
  }

  @Delete(':id')
  @Roles('owner', 'admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a definition; its values go from every contact or conversation' })
  @ApiNoContentResponse()
  @ApiErrors('ATTRIBUTE_NOT_FOUND')
  async remove(@CurrentPrincipal() p: Principal, @IdParam() id: string): Promise<void> {
    await this.definitions.remove(p, id);
  }
}
