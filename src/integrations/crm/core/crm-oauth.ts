import type { CrmTransport } from './crm-transport';

/** What the token calls need of a connection (its CrmConnectionSettings). */
export interface CrmOAuthSettings {
  baseUrl: URL;
  config: Record<string, unknown>;
  credentials: Record<string, string>;
}

/** An OAuth2 token pair as the connection keeps it (sealed with its other credentials). */
export interface CrmTokenSet {
  accessToken: string;
  /** Single-use at some vendors (amoCRM/Kommo): each refresh returns a new one and kills the old. */
  refreshToken: string;
  /** Epoch ms. */
  expiresAt: number;
}

/** How a connector gets its access token, and a new one when the CRM refuses it. */
export interface CrmTokenSource {
  current(): string;
  /** A fresh token after `rejected` was refused (another caller may already have refreshed it). */
  refresh(rejected: string): Promise<string>;
  /** The stored token is about to expire: refresh before using it. */
  stale(): boolean;
}

/** What an OAuth2 kind adds: the authorization page, the code exchange and the refresh. */
export interface CrmOAuth {
  /** Where the Customer is sent to allow access. */
  authorizeUrl(config: Record<string, unknown>, state: string, redirectUri: string): string;
  /** The account's API base the redirect names (`referer`), when it is the connection's own; null otherwise. */
  accountOf(referer: string, settings: { baseUrl: URL }): URL | null;
  exchange(transport: CrmTransport, settings: CrmOAuthSettings, code: string, redirectUri: string): Promise<CrmTokenSet>;
  refresh(transport: CrmTransport, settings: CrmOAuthSettings, refreshToken: string, redirectUri: string): Promise<CrmTokenSet>;
}
