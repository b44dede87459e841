import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsObject, IsOptional, IsString, Matches, MaxLength, ValidateIf } from 'class-validator';
import {
  ATTRIBUTE_ENTITIES,
  ATTRIBUTE_KEY,
  ATTRIBUTE_TYPES,
  AttributeDefinition,
  AttributeEntity,
  AttributeType,
  MAX_LIST_OPTIONS,
  MAX_OPTION_LENGTH,
} from '../../libs/domain/src';
import { DisplayName } from '../common/display-name';

export class CreateAttributeDefinitionDto {
  @ApiProperty({ enum: ATTRIBUTE_ENTITIES })
  @IsIn(ATTRIBUTE_ENTITIES)
  entity: AttributeEntity;

  @ApiProperty({
    example: 'loyalty_tier',
    pattern: ATTRIBUTE_KEY.source,
    description: 'How values are named in customAttributes and filters; fixed once created',
  })
  @IsString()
  @Matches(ATTRIBUTE_KEY, { message: 'key must start with a-z and hold only a-z, 0-9 and _ (at most 40), and be neither constructor nor prototype' })
  key: string;

  @ApiProperty({ example: 'Loyalty tier', maxLength: 100 })
  @DisplayName(100)
  label: string;

  @ApiProperty({ enum: ATTRIBUTE_TYPES, description: 'text, number, date (YYYY-MM-DD) or list (one of options); fixed once created' })
  @IsIn(ATTRIBUTE_TYPES)
  type: AttributeType;

  @ApiPropertyOptional({ type: [String], maxItems: MAX_LIST_OPTIONS, example: ['silver', 'gold'], description: 'A list\u2019s allowed values (lists only)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_LIST_OPTIONS)
  @IsString({ each: true })
  @MaxLength(MAX_OPTION_LENGTH, { each: true })
  options?: string[];
}

export class UpdateAttributeDefinitionDto {
  @ApiPropertyOptional({ maxLength: 100 })
  @ValidateIf((_, v) => v !== undefined)
  @DisplayName(100)
  label?: string;

  @ApiPropertyOptional({
    type: [String],
    maxItems: MAX_LIST_OPTIONS,
    description: 'A list\u2019s allowed values from now on; values already stored stay until changed',
  })
  @ValidateIf((_, v) => v !== undefined)
  @IsArray()
  @ArrayMaxSize(MAX_LIST_OPTIONS)
  @IsString({ each: true })
  @MaxLength(MAX_OPTION_LENGTH, { each: true })
  options?: string[];
}

export class AttributeDefinitionsQueryDto {
  @ApiPropertyOptional({ enum: ATTRIBUTE_ENTITIES })
  @IsOptional()
  @IsIn(ATTRIBUTE_ENTITIES)
  entity?: AttributeEntity;
}

export class AttributeDefinitionResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ATTRIBUTE_ENTITIES }) entity: string;
  @ApiProperty() key: string;
  @ApiProperty() label: string;
  @ApiProperty({ enum: ATTRIBUTE_TYPES }) type: string;
  @ApiProperty({ type: [String] }) options: string[];
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
}

export class AttributeDefinitionListResponse {
  @ApiProperty({ type: [AttributeDefinitionResponse] }) items: AttributeDefinitionResponse[];
}

export const attributeDefinitionResponse = (d: AttributeDefinition) => ({
  id: d.id,
  entity: d.entity,
  key: d.key,
  label: d.label,
  type: d.type,
  options: d.options,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
});

/** customAttributes in responses: the defined keys that have a value, to text (also dates and list options) or numbers. */
export const CustomAttributesResponse = () =>
  ApiProperty({
    type: 'object',
    additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }] },
    example: { loyalty_tier: 'gold', orders: 3, birthday: '1990-04-01' },
    description: 'Values of the custom attributes the organization defines (GET /api/attribute-definitions), by key',
  });

/** customAttributes in a write: only the keys sent change; null removes one. Checked against the definitions (400 UNKNOWN_ATTRIBUTE, INVALID_ATTRIBUTE_VALUE). */
export const CustomAttributesInput = () =>
  applyDecorators(
    ApiPropertyOptional({
      type: 'object',
      additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }], nullable: true },
      example: { loyalty_tier: 'gold', birthday: null },
      description: 'Values by attribute key: text, number, date (YYYY-MM-DD) or one of a list\u2019s options; null removes the value',
    }),
    IsOptional(),
    IsObject(),
  );

export const MAX_ATTRIBUTE_FILTERS = 10;

/** `?attribute=key:value` (repeatable, all must hold): equality on a custom attribute. */
export const AttributeFilterQuery = () =>
  applyDecorators(
    ApiPropertyOptional({
      type: [String],
      maxItems: MAX_ATTRIBUTE_FILTERS,
      example: ['loyalty_tier:gold'],
      description: `key:value, repeatable (all must hold): only those whose custom attribute has this value; at most ${MAX_ATTRIBUTE_FILTERS}`,
    }),
    IsOptional(),
    Transform(({ value }) => (typeof value === 'string' ? [value] : value)),
    IsArray(),
    ArrayMaxSize(MAX_ATTRIBUTE_FILTERS),
    IsString({ each: true }),
    MaxLength(1100, { each: true }),
  );
