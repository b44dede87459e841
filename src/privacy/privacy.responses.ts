import { ApiProperty } from '@nestjs/swagger';

// Response bodies of the privacy API: the whitelists of what is serialised.

const COUNTS = {
  type: 'object' as const,
  additionalProperties: { type: 'integer' as const },
  description: 'Rows deleted, per table',
  example: { messages: 12, contacts: 1 },
};

export class RetentionResponse {
  @ApiProperty({ type: 'integer', nullable: true, description: 'Days messages are kept; null keeps them', example: 365 }) defaultDays: number | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, description: 'Per-channel overrides in days, by channel id' })
  channels: Record<string, number>;
}

export class TerminationResponse {
  @ApiProperty({ enum: ['terminating'] }) status: string;
  @ApiProperty({ example: 'K7Q2M9XW' }) confirmationCode: string;
  @ApiProperty({ description: 'Where anyone with the code can follow the deletion' }) statusUrl: string;
}

export class DeletionReceiptResponse {
  @ApiProperty({ example: 'K7Q2M9XW' }) confirmationCode: string;
  @ApiProperty({ enum: ['pending', 'completed', 'failed'] }) status: string;
  @ApiProperty(COUNTS) deleted: Record<string, number>;
  @ApiProperty() statusUrl: string;
}

export class DeletionMatchingResponse {
  @ApiProperty({
    enum: ['pending', 'matched', 'not_configured'],
    description:
      "pending: Meta's ID matching has not answered yet and is retried automatically; matched: it answered; not_configured: the id was used as Meta sent it",
  })
  state: string;
  @ApiProperty({ type: 'integer', description: 'Times Meta was asked' }) attempts: number;
  @ApiProperty({ enum: ['unavailable', 'rate_limited', 'refused'], required: false, description: 'Why the last attempt failed (while pending)' })
  lastFailure?: string;
  @ApiProperty({ type: String, format: 'date-time', required: false, description: 'When Meta is asked again (while pending)' }) nextAttemptAt?: string;
  @ApiProperty({ type: 'integer', description: 'Accounts on Facebook Pages Meta matched to the person' }) accountsMatched: number;
  @ApiProperty({ type: 'integer', description: 'Of them, how many had data here (deleted)' }) accountsFound: number;
  @ApiProperty({ type: 'integer', description: 'In how many organizations that data was (never which)' }) organizations: number;
}

export class DeletionStatusResponse {
  @ApiProperty({ example: 'K7Q2M9XW' }) code: string;
  @ApiProperty({ enum: ['pending', 'completed', 'failed'] }) status: string;
  @ApiProperty() requestedAt: Date;
  @ApiProperty({ description: 'Answered by then at the latest (30 days)' }) deadlineAt: Date;
  @ApiProperty({ type: Date, nullable: true }) completedAt: Date | null;
  @ApiProperty(COUNTS) deleted: Record<string, number>;
  @ApiProperty({ type: String, nullable: true }) outcome: string | null;
  @ApiProperty({ type: DeletionMatchingResponse, nullable: true, description: "A Meta data-deletion callback's ID matching; null for other requests" })
  matching: DeletionMatchingResponse | null;
  @ApiProperty({ type: String, nullable: true, description: 'What this kind of request cannot reach, and what to do about it' })
  note: string | null;
}

export class AuditRecordResponse {
  @ApiProperty() id: string;
  @ApiProperty() at: Date;
  @ApiProperty({ example: 'user:6b1f9d7e-…', description: '`user:<id>`, `operator:<id>` or `system:<component>`' }) actor: string;
  @ApiProperty({ example: 'webhook_subscription.create' }) action: string;
  @ApiProperty({ example: 'webhook_subscription:…' }) subject: string;
  @ApiProperty({ enum: ['allow', 'deny'] }) decision: string;
  @ApiProperty({ type: String, nullable: true }) reason: string | null;
}

export class AuditLogResponse {
  @ApiProperty({ type: [AuditRecordResponse], description: 'The latest 200 entries, newest first' }) items: AuditRecordResponse[];
}

export class SubprocessorResponse {
  @ApiProperty({ example: 'Meta Platforms Ireland Ltd.' }) name: string;
  @ApiProperty() purpose: string;
  @ApiProperty({ type: [String], description: 'Channel kinds it serves' }) channels: string[];
  @ApiProperty({ type: [String], description: 'Integrations it serves' }) integrations: string[];
}

export class SubprocessorListResponse {
  @ApiProperty({ type: [SubprocessorResponse] }) items: SubprocessorResponse[];
}
