import { Module } from '@nestjs/common';
import { SearchController } from './search.controller';
import { SearchService } from './search.service';
import { SearchStore } from './search.store';

/** GET /api/search: messages, notes, contacts and conversations of the caller's organization. */
@Module({
  controllers: [SearchController],
  providers: [SearchService, SearchStore],
})
export class SearchModule {}
