/** Which tenant a unit of work belongs to and which regional database holds its data. */
export interface TenantRef {
  readonly tenantId: string;
  readonly region: string;
}
