import { Injectable } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { GraphClient } from '../channels/meta/graph-client';
import { AppConfig } from '../config/app-config';

/** One Page-scoped id (PSID) Graph gives for an app-scoped user id, and the Page it belongs to. */
export interface PageScopedId {
  id: string;
  pageId: string;
}

interface IdsForPagesPage {
  data?: Array<{ id?: unknown; page?: { id?: unknown } }>;
  paging?: { next?: string };
}

/** Enough for every Page a business could connect; a longer chain is Graph misbehaving. */
const MAX_PAGES = 200;

/**
 * Graph's ID matching: a data-deletion callback names the person by their app-scoped id (ASID),
 * Messenger conversations by Page-scoped ids. `GET /{asid}/ids_for_pages` with the app access
 * token (`{app-id}|{app-secret}`, plus `appsecret_proof` for apps that require it) lists the
 * person's ids on the Pages of the app's business, paged with `paging.next`.
 */
@Injectable()
export class MetaIdMatching {
  private readonly graph: GraphClient;

  constructor(private readonly config: AppConfig) {
    this.graph = new GraphClient(config.meta.graphUrl, config.platformTimeoutMs);
  }

  /** Whether the app id is configured: without it there is no app access token to ask with. */
  get enabled(): boolean {
    return Boolean(this.config.meta.appId && this.config.meta.appSecret);
  }

  /** Every PSID of the person; throws the classified Graph failure when Graph cannot answer. */
  async pageScopedIds(asid: string): Promise<PageScopedId[]> {
    const { appId, appSecret, graphUrl } = this.config.meta;
    if (!appId || !appSecret) return [];
    if (!/^\d+$/.test(asid)) return []; // not a Graph id: nothing to ask about (and nothing to inject into a path)
    const token = `${appId}|${appSecret}`;
    const proof = createHmac('sha256', appSecret).update(token).digest('hex');
    const found: PageScopedId[] = [];
    let next: string | undefined = `/${asid}/ids_for_pages?limit=100&appsecret_proof=${proof}`;
    for (let n = 0; next && n < MAX_PAGES; n++) {
      const page: IdsForPagesPage = await this.graph.get<IdsForPagesPage>(next, token);
      for (const item of page.data ?? []) {
        if (typeof item.id === 'string' && typeof item.page?.id === 'string') found.push({ id: item.id, pageId: item.page.id });
      }
      next = page.paging?.next;
      // The token goes wherever `next` points: only back to Graph itself.
      if (next && !next.startsWith(`${new URL(graphUrl).origin}/`)) throw new Error('Graph paging left the Graph API host');
    }
    return found;
  }
}
