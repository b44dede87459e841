import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal } from '../tenancy/auth.guards';
import type { Principal } from '../tenancy/principal';
import { SearchQueryDto, SearchResponse } from './search.dto';
import { SearchService } from './search.service';

@ApiTags('search')
@Authenticated()
@Controller('api/search')
export class SearchController {
  constructor(private readonly search: SearchService) {}

  /**
   * Ranked search within the organization. `type=messages` (default): message text and notes,
   * English and Russian words in any grammatical form; `contacts`: names and e-mails (typos and
   * partial words too), phones in any format, platform ids; `conversations`: by id, by contact,
   * by message text. The newest 200 matches of the text are ranked; refine the query for others.
   */
  @Get()
  @ApiOkResponse({ type: SearchResponse })
  async find(@CurrentPrincipal() p: Principal, @Query() q: SearchQueryDto): Promise<SearchResponse> {
    const type = q.type ?? 'messages';
    return { type, items: await this.search.search(p, q.q, type, q.limit ?? 20) };
  }
}
