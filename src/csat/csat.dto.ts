import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { CSAT_CHANNEL_KINDS, CSAT_LANGUAGES, CsatLanguage } from '../../libs/policy/src';

export class SaveCsatSettingsDto {
  @ApiProperty({ description: 'Ask resolved conversations of this channel for a rating' })
  @IsBoolean()
  enabled: boolean;

  @ApiPropertyOptional({ enum: CSAT_LANGUAGES, default: 'en', description: 'The language of the question and of how to answer it' })
  @IsOptional()
  @IsIn(CSAT_LANGUAGES)
  language?: CsatLanguage;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 500, description: "The question; null or absent: the language's default" })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsString()
  @MaxLength(500)
  question?: string | null;
}

export class CsatSettingsResponse {
  @ApiProperty({ format: 'uuid' }) channelId: string;
  @ApiProperty({ description: `Whether surveys can be asked there at all (${CSAT_CHANNEL_KINDS.join(', ')})` }) supported: boolean;
  @ApiProperty() enabled: boolean;
  @ApiProperty({ enum: CSAT_LANGUAGES }) language: CsatLanguage;
  @ApiProperty({ type: String, nullable: true }) question: string | null;
  @ApiProperty({ description: 'The question as it is asked (the default one where question is null)' }) effectiveQuestion: string;
}

export class CsatSettingsListResponse {
  @ApiProperty({ type: [CsatSettingsResponse] }) items: CsatSettingsResponse[];
}

export class WidgetRatingDto {
  @ApiProperty({ minimum: 1, maximum: 5, description: '1 (poor) to 5 (excellent)' })
  @IsInt()
  @Min(1)
  @Max(5)
  rating: number;
}
