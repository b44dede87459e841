import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength, ValidateIf, ValidateNested } from 'class-validator';
import { WEEKDAYS, Weekday } from '../../libs/policy/src';

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

export class OpenIntervalDto {
  @ApiProperty({ enum: WEEKDAYS })
  @IsIn(WEEKDAYS)
  day: Weekday;

  @ApiProperty({ example: '09:00', description: 'HH:MM, local time' })
  @Matches(HHMM, { message: 'open must be HH:MM' })
  open: string;

  @ApiProperty({ example: '18:00', description: 'HH:MM, local time, after open (24:00 for midnight)' })
  @Matches(HHMM, { message: 'close must be HH:MM' })
  close: string;
}

const REPLY = { type: String, nullable: true, maxLength: 1000 } as const;

class BusinessHoursFieldsDto {
  @ApiProperty({ example: 'Europe/Moscow', description: 'IANA time zone the schedule is read in' })
  @IsString()
  @MaxLength(64)
  timeZone: string;

  @ApiProperty({ type: [OpenIntervalDto], maxItems: 50, description: 'When it is open; any other time is closed' })
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => OpenIntervalDto)
  weekly: OpenIntervalDto[];

  @ApiPropertyOptional({ type: [String], example: ['2026-12-31'], maxItems: 366, description: 'Local dates closed all day' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(366)
  @IsString({ each: true })
  holidays?: string[];

  @ApiPropertyOptional({ ...REPLY, description: 'Sent once per conversation and closed period when a contact writes while closed; null: none' })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  outOfOfficeReply?: string | null;

  @ApiPropertyOptional({ ...REPLY, description: 'Sent once to a contact who starts a conversation while open, before anyone answers; null: none' })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  greeting?: string | null;
}

export class CreateBusinessHoursDto extends BusinessHoursFieldsDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'The channel it governs (send this or teamId); a channel’s own schedule wins over its team’s' })
  @IsOptional()
  @IsUUID()
  channelId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The team it governs: its conversations on channels without a schedule of their own' })
  @IsOptional()
  @IsUUID()
  teamId?: string;
}

export class UpdateBusinessHoursDto {
  @ApiPropertyOptional({ example: 'Europe/Moscow' })
  @ValidateIf((_, v) => v !== undefined)
  @IsString()
  @MaxLength(64)
  timeZone?: string;

  @ApiPropertyOptional({ type: [OpenIntervalDto], maxItems: 50 })
  @ValidateIf((_, v) => v !== undefined)
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => OpenIntervalDto)
  weekly?: OpenIntervalDto[];

  @ApiPropertyOptional({ type: [String], maxItems: 366 })
  @ValidateIf((_, v) => v !== undefined)
  @IsArray()
  @ArrayMaxSize(366)
  @IsString({ each: true })
  holidays?: string[];

  @ApiPropertyOptional(REPLY)
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  outOfOfficeReply?: string | null;

  @ApiPropertyOptional(REPLY)
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  greeting?: string | null;
}

export class OpenIntervalResponse {
  @ApiProperty({ enum: WEEKDAYS }) day: Weekday;
  @ApiProperty() open: string;
  @ApiProperty() close: string;
}

export class BusinessHoursResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) channelId: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) teamId: string | null;
  @ApiProperty() timeZone: string;
  @ApiProperty({ type: [OpenIntervalResponse] }) weekly: OpenIntervalResponse[];
  @ApiProperty({ type: [String] }) holidays: string[];
  @ApiProperty({ type: String, nullable: true }) outOfOfficeReply: string | null;
  @ApiProperty({ type: String, nullable: true }) greeting: string | null;
  @ApiProperty({ description: 'Whether it is open at the moment of the answer' }) openNow: boolean;
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
}

export class BusinessHoursListResponse {
  @ApiProperty({ type: [BusinessHoursResponse] }) items: BusinessHoursResponse[];
}
