import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class HealthResponse {
  @ApiProperty({ enum: ['up', 'down', 'ok', 'degraded'], description: 'up/down for anonymous callers; ok/degraded with details' }) status: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'object', required: ['database'], properties: { database: { type: 'string', enum: ['up', 'down'] } } },
    description: 'Per region: whether its database answers',
  })
  regions?: Record<string, { database: string }>;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: {
      type: 'object',
      required: ['lastFinishedAt', 'stale'],
      properties: { lastFinishedAt: { type: 'string', format: 'date-time', nullable: true }, stale: { type: 'boolean' } },
    },
    description: 'Scheduled jobs per region: when they last completed, and whether that is too long ago',
  })
  jobs?: Record<string, { lastFinishedAt: Date | null; stale: boolean }>;
  @ApiPropertyOptional({ type: [String] }) warnings?: string[];
}
