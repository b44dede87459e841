import { useEffect, useMemo, useState } from 'react';
import type { ConversationFilters } from '../../api/queries';
import { useConversations } from '../../api/queries';
import type { Session } from '../../api/session';
import { navigate } from '../../router';
import { ConversationList } from './ConversationList';
import { ConversationView } from './ConversationView';
import { ShortcutSheet } from './ShortcutSheet';
import { ViewsPane } from './ViewsPane';
import { useInboxKeys } from './useInboxKeys';

const FILTERS_KEY = 'mm.inbox.filters';
const DEFAULT_FILTERS: ConversationFilters = { view: 'all', status: 'open', channelId: null };

function storedFilters(): ConversationFilters {
  try {
    return { ...DEFAULT_FILTERS, ...(JSON.parse(sessionStorage.getItem(FILTERS_KEY) ?? '{}') as Partial<ConversationFilters>) };
  } catch {
    return DEFAULT_FILTERS;
  }
}

/** Three panes: views and filters, the conversation list, the open conversation (with its contact). */
export function InboxPage({ session, conversationId }: { session: Session; conversationId: string | null }) {
  const [filters, setFilters] = useState<ConversationFilters>(storedFilters);
  const [help, setHelp] = useState(false);
  useEffect(() => sessionStorage.setItem(FILTERS_KEY, JSON.stringify(filters)), [filters]);

  const list = useConversations(filters, session.userId);
  const items = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);

  const open = (id: string) => navigate(`/inbox/${id}`);
  useInboxKeys({
    ids: items.map((c) => c.id),
    current: conversationId,
    open,
    help: () => setHelp(true),
  });

  return (
    <div className="mm-inbox" data-open={conversationId ? 'true' : 'false'}>
      <section className="mm-pane mm-views" aria-labelledby="views-title">
        <ViewsPane filters={filters} onChange={setFilters} onHelp={() => setHelp(true)} />
      </section>
      <section className="mm-pane mm-list" aria-labelledby="list-title">
        <ConversationList
          filters={filters}
          onFilters={setFilters}
          items={items}
          current={conversationId}
          onOpen={open}
          loading={list.isLoading}
          error={list.error}
          hasMore={!!list.hasNextPage}
          loadingMore={list.isFetchingNextPage}
          loadMore={() => void list.fetchNextPage()}
        />
      </section>
      <section className="mm-pane mm-detail" aria-label="Conversation">
        <ConversationView session={session} conversationId={conversationId} />
      </section>
      <ShortcutSheet opened={help} onClose={() => setHelp(false)} />
    </div>
  );
}
