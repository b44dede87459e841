import { Controller, Get, Header, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { invalid } from '../../libs/domain/src';
import { isTimeZone, startOfLocalDay } from '../../libs/policy/src';
import { Authenticated, CurrentPrincipal } from '../tenancy/auth.guards';
import type { Principal } from '../tenancy/principal';
import { GROUPINGS, Grouping, ReportRow, ReportsStore } from './reports.store';

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const MAX_DAYS = 366;

class ReportQueryDto {
  @ApiProperty({ example: '2026-03-01', description: 'First day (in timeZone), inclusive' })
  @Matches(DATE, { message: 'from must be YYYY-MM-DD' })
  from: string;

  @ApiProperty({ example: '2026-03-31', description: `Last day (in timeZone), inclusive; at most ${MAX_DAYS} days after from` })
  @Matches(DATE, { message: 'to must be YYYY-MM-DD' })
  to: string;

  @ApiPropertyOptional({ example: 'Europe/Moscow', default: 'UTC', description: 'IANA time zone the days are cut in' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  timeZone?: string;

  @ApiPropertyOptional({ enum: GROUPINGS, default: 'day' })
  @IsOptional()
  @IsIn(GROUPINGS)
  groupBy?: Grouping;
}

export class ReportRowResponse {
  @ApiProperty({ type: String, nullable: true, description: 'The day (YYYY-MM-DD), or the channel, team or agent id; null: no team, unassigned' })
  key: string | null;
  @ApiProperty({ description: 'Conversations started in the range' }) opened: number;
  @ApiProperty({ description: 'Conversations resolved in the range' }) resolved: number;
  @ApiProperty({ type: Number, nullable: true, description: "Seconds from start to a person's first reply, median, of those opened" })
  firstResponseP50: number | null;
  @ApiProperty({ type: Number, nullable: true }) firstResponseP90: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Seconds from start to resolution, median, of those resolved' }) resolutionP50: number | null;
  @ApiProperty({ type: Number, nullable: true }) resolutionP90: number | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    description:
      "firstResponseP50 counting only open hours of the conversation's business hours as they were when it happened (its channel's, else its team's; all hours where none)",
  })
  firstResponseBusinessP50: number | null;
  @ApiProperty({ type: Number, nullable: true }) firstResponseBusinessP90: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'resolutionP50 counting only open hours, likewise' }) resolutionBusinessP50: number | null;
  @ApiProperty({ type: Number, nullable: true }) resolutionBusinessP90: number | null;
  @ApiProperty() messagesIn: number;
  @ApiProperty() messagesOut: number;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Conversations not resolved now (null when grouped by day)' }) backlog: number | null;
  @ApiProperty({ type: 'integer', description: 'Satisfaction surveys asked in the range (by day: the day asked)' }) csatAsked: number;
  @ApiProperty({ type: 'integer', description: 'Of those, how many got a rating' }) csatAnswered: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Their average rating (1-5, two decimals)' }) csatAverage: number | null;
  @ApiProperty({ type: [Number], minItems: 5, maxItems: 5, description: 'How many rated 1, 2, 3, 4 and 5' }) csatRatings: number[];
}

export class ConversationReportResponse {
  @ApiProperty() from: string;
  @ApiProperty() to: string;
  @ApiProperty() timeZone: string;
  @ApiProperty({ enum: GROUPINGS }) groupBy: Grouping;
  @ApiProperty({ type: [ReportRowResponse] }) items: ReportRowResponse[];
}

type CsvRow = Omit<ReportRow, 'csatRatings'> & Record<'csat1' | 'csat2' | 'csat3' | 'csat4' | 'csat5', number>;
const COLUMNS: Array<keyof CsvRow> = [
  'key',
  'opened',
  'resolved',
  'firstResponseP50',
  'firstResponseP90',
  'resolutionP50',
  'resolutionP90',
  'firstResponseBusinessP50',
  'firstResponseBusinessP90',
  'resolutionBusinessP50',
  'resolutionBusinessP90',
  'messagesIn',
  'messagesOut',
  'backlog',
  'csatAsked',
  'csatAnswered',
  'csatAverage',
  'csat1',
  'csat2',
  'csat3',
  'csat4',
  'csat5',
];
const csvRow = ({ csatRatings: [csat1, csat2, csat3, csat4, csat5], ...rest }: ReportRow): CsvRow => ({ ...rest, csat1, csat2, csat3, csat4, csat5 });
const rounded = (v: number | null) => (v === null ? null : Math.round(v));
const rowResponse = (r: ReportRow) => ({
  ...r,
  firstResponseP50: rounded(r.firstResponseP50),
  firstResponseP90: rounded(r.firstResponseP90),
  resolutionP50: rounded(r.resolutionP50),
  resolutionP90: rounded(r.resolutionP90),
  firstResponseBusinessP50: rounded(r.firstResponseBusinessP50),
  firstResponseBusinessP90: rounded(r.firstResponseBusinessP90),
  resolutionBusinessP50: rounded(r.resolutionBusinessP50),
  resolutionBusinessP90: rounded(r.resolutionBusinessP90),
  csatAverage: r.csatAverage === null ? null : Math.round(r.csatAverage * 100) / 100,
});

/** Managers' numbers: owners and admins only. */
@ApiTags('reports')
@Authenticated({ roles: ['owner', 'admin'] })
@Controller('api/reports')
export class ReportsController {
  constructor(private readonly store: ReportsStore) {}

  private async report(p: Principal, q: ReportQueryDto) {
    const timeZone = q.timeZone ?? 'UTC';
    if (!isTimeZone(timeZone)) throw invalid('VALIDATION_FAILED', `timeZone ${timeZone} is not an IANA time zone`);
    const from = startOfLocalDay(timeZone, q.from);
    const last = new Date(`${q.to}T00:00:00Z`);
    last.setUTCDate(last.getUTCDate() + 1);
    const to = startOfLocalDay(timeZone, last.toISOString().slice(0, 10));
    if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || to <= from) throw invalid('VALIDATION_FAILED', 'to must be on or after from');
    if (to.getTime() - from.getTime() > (MAX_DAYS + 1) * 86_400_000) throw invalid('VALIDATION_FAILED', `a report covers at most ${MAX_DAYS} days`);
    const groupBy = q.groupBy ?? 'day';
    const items = (await this.store.conversations(p, { from, to, timeZone }, groupBy)).map(rowResponse);
    return { from: q.from, to: q.to, timeZone, groupBy, items };
  }

  @Get('conversations')
  @ApiOperation({
    summary: 'Conversations opened and resolved, response and resolution times (p50, p90), messages in and out, backlog, satisfaction (CSAT)',
  })
  @ApiOkResponse({ type: ConversationReportResponse })
  conversations(@CurrentPrincipal() p: Principal, @Query() q: ReportQueryDto) {
    return this.report(p, q);
  }

  @Get('conversations/csv')
  @ApiOperation({ summary: 'The same report as CSV (a header line, then one line per row; empty cells for nulls)' })
  @ApiProduces('text/csv')
  @ApiOkResponse({ schema: { type: 'string' }, description: 'text/csv' })
  @Header('content-type', 'text/csv; charset=utf-8')
  @Header('content-disposition', 'attachment; filename="conversations-report.csv"')
  async csv(@CurrentPrincipal() p: Principal, @Query() q: ReportQueryDto): Promise<string> {
    const { items } = await this.report(p, q);
    const lines = [COLUMNS.join(','), ...items.map(csvRow).map((r) => COLUMNS.map((c) => (r[c] === null ? '' : String(r[c]))).join(','))];
    return `${lines.join('\n')}\n`;
  }
}
