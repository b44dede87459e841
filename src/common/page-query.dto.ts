import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import type { PageRequest } from '../../libs/domain/src';
import { decodeCursor } from './cursor';

/** `?cursor=&limit=` of every keyset-paged list. */
export class PageQueryDto {
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString() // length and shape are decodeCursor's job, so any bad cursor is INVALID_CURSOR
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 25 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

export const DEFAULT_PAGE_SIZE = 25;

/** The page a query asks for; a cursor this API did not hand out is 400 INVALID_CURSOR. */
export const pageOf = (q: PageQueryDto): PageRequest => ({ limit: q.limit ?? DEFAULT_PAGE_SIZE, after: decodeCursor(q.cursor) });
