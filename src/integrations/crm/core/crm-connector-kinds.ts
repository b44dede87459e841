import { Injectable } from '@nestjs/common';
import type { CrmCapabilities, CrmConnector } from '../../../../libs/domain/src';
import type { CrmOAuth, CrmTokenSource } from './crm-oauth';
import type { CrmTransport } from './crm-transport';
import type { CrmHttpResponse } from './crm-http';
import type { CrmCallError } from '../../../../libs/domain/src';

/** What a connection is, as a connector kind needs it to open one. */
export interface CrmConnectionSettings {
  connectionId: string;
  /** The validated base URL (config.baseUrl, or the kind's default). */
  baseUrl: URL;
  config: Record<string, unknown>;
  /** Opened credentials (they exist only in memory, for the run). */
  credentials: Record<string, string>;
  /** OAuth2 kinds: the access token, refreshed (and stored) when the CRM refuses it. */
  tokens?: CrmTokenSource;
}

/**
 * One kind of CRM connection (`yclients`, `altegio`, `amocrm`…): its vendor (the subprocessors
 * page lists it), its default base URL, how its config and credentials are checked, how answers
 * classify, and how a connector is opened. Each vendor folder registers its kinds in
 * CrmConnectorKinds; nothing else names a vendor.
 */
export abstract class CrmConnectorKind {
  abstract readonly kind: string;
  /** The company behind the CRM, as the subprocessors page names it. */
  abstract readonly vendor: string;
  /** Null when every account has its own host (config names it). */
  abstract readonly defaultBaseUrl: string | null;
  abstract readonly capabilities: CrmCapabilities;
  /** Config keys (besides baseUrl) and credential keys, for the API documentation. */
  abstract readonly describe: { config: string; credentials: string };
  /**
   * Checks and normalizes what the Customer sent (throws 400 with a stable code); the answer's
   * config is stored as it is (no secrets), the credentials sealed.
   */
  abstract validate(
    config: Record<string, unknown>,
    credentials: Record<string, unknown>,
  ): { config: Record<string, unknown>; credentials: Record<string, string> };
  /** OAuth2 kinds: authorization page, code exchange, refresh. */
  readonly oauth?: CrmOAuth;
  /** The account's base URL from other config fields (amoCRM's subdomain), when config.baseUrl is absent. */
  baseUrlFrom(_config: Record<string, unknown>): string | null {
    return null;
  }
  /** The vendor's reading of an answer: null when it is one to use. */
  abstract classify(res: CrmHttpResponse): CrmCallError | null;
  abstract open(settings: CrmConnectionSettings, transport: CrmTransport): CrmConnector;
}

/** The CRM kinds this build offers: each vendor module registers its own when it starts. */
@Injectable()
export class CrmConnectorKinds {
  private readonly byKind = new Map<string, CrmConnectorKind>();

  register(kind: CrmConnectorKind): void {
    if (this.byKind.has(kind.kind)) throw new Error(`CRM kind ${kind.kind} is registered twice`);
    this.byKind.set(kind.kind, kind);
  }

  find(kind: string): CrmConnectorKind | undefined {
    return this.byKind.get(kind);
  }

  all(): CrmConnectorKind[] {
    return [...this.byKind.values()];
  }
}
