import { CONSENT_FOR_PURPOSE, DATA_ORIGINS, PROCESSING_PURPOSES, PURPOSE_RULES, decide, isProcessingPurpose, purposeNeverAllowed } from './purpose';

/**
 * The expected policy, written out independently of purpose.ts: A = allowed, C = only with the
 * End User's recorded consent, D = never. Columns follow PROCESSING_PURPOSES.
 */
const COLUMNS = [
  'service_delivery',
  'legal_obligation',
  'customer_export',
  'crm_sync',
  'analytics_internal',
  'advertising',
  'ad_targeting',
  'profiling',
  'eligibility_decision',
  'surveillance',
  'sale',
  'data_brokerage',
];
const EXPECTED: Record<string, string> = {
  //        svc legal export crm analytics ads adtarget profiling eligibility surveillance sale brokers
  meta: 'A   A     C      C   D         D   D        D         D           D            D    D',
  whatsapp: 'A   A     C      C   D         D   D        D         D           D            D    D',
  telegram: 'A   A     A      A   A         A   A        A         A           D            D    D',
  email: 'A   A     A      A   A         A   A        A         A           D            D    D',
  webchat: 'A   A     A      A   A         A   A        A         A           D            D    D',
  sms: 'A   A     A      A   A         A   A        A         A           D            D    D',
  crm: 'A   A     A      A   A         A   A        A         A           D            D    D',
};
const expected = (origin: string, purpose: string) => EXPECTED[origin].split(/\s+/)[COLUMNS.indexOf(purpose)];

const cells = DATA_ORIGINS.flatMap((origin) => PROCESSING_PURPOSES.map((purpose) => [origin, purpose] as const));

describe('purpose limitation', () => {
  it('covers every origin and purpose, and only those', () => {
    expect([...PROCESSING_PURPOSES]).toEqual(COLUMNS);
    expect(Object.keys(PURPOSE_RULES).sort()).toEqual([...DATA_ORIGINS].sort());
    expect(Object.keys(EXPECTED).sort()).toEqual([...DATA_ORIGINS].sort());
    for (const origin of DATA_ORIGINS) expect(Object.keys(PURPOSE_RULES[origin]).sort()).toEqual([...PROCESSING_PURPOSES].sort());
  });

  describe.each(cells)('%s data for %s', (origin, purpose) => {
    const rule = expected(origin, purpose);

    it.each<[string, { consent?: boolean }]>([
      ['no context', {}],
      ['consent withheld', { consent: false }],
      ['consent recorded', { consent: true }],
    ])('with %s', (_, ctx) => {
      const decision = decide(origin, purpose, ctx);
      const allowed = rule === 'A' || (rule === 'C' && ctx.consent === true);
      expect(decision.allowed).toBe(allowed);
      if (!decision.allowed) {
        expect(decision.code).toBe(rule === 'C' ? 'CONSENT_REQUIRED' : 'PURPOSE_NOT_PERMITTED');
        expect(decision.reason).toContain(purpose);
      }
    });
  });

  it('never lets Meta or WhatsApp data reach advertising, targeting, profiling, eligibility, surveillance, sale or brokers, even with consent', () => {
    for (const origin of ['meta', 'whatsapp'] as const) {
      for (const purpose of ['advertising', 'ad_targeting', 'profiling', 'eligibility_decision', 'surveillance', 'sale', 'data_brokerage'] as const) {
        expect(decide(origin, purpose, { consent: true })).toMatchObject({ allowed: false, code: 'PURPOSE_NOT_PERMITTED' });
      }
    }
  });

  it('names the recorded consent for every purpose that has a consent rule', () => {
    const consentPurposes = PROCESSING_PURPOSES.filter((p) => DATA_ORIGINS.some((o) => PURPOSE_RULES[o][p] === 'consent'));
    expect(consentPurposes.sort()).toEqual(Object.keys(CONSENT_FOR_PURPOSE).sort());
    expect(CONSENT_FOR_PURPOSE).toEqual({ customer_export: 'data_export', crm_sync: 'crm_enrichment' });
  });

  it('denies unknown origins and purposes', () => {
    expect(decide('fax' as never, 'service_delivery').allowed).toBe(false);
    expect(decide('meta', 'mind_reading' as never, { consent: true }).allowed).toBe(false);
  });

  it('knows which purposes no origin allows', () => {
    expect(PROCESSING_PURPOSES.filter(purposeNeverAllowed)).toEqual(['surveillance', 'sale', 'data_brokerage']);
  });

  it('recognises purposes', () => {
    expect(isProcessingPurpose('crm_sync')).toBe(true);
    expect(isProcessingPurpose('CRM_SYNC')).toBe(false);
    expect(isProcessingPurpose(undefined)).toBe(false);
  });
});
