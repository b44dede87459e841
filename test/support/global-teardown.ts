import type { TestDatabases } from './test-databases';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __MM_TEST_DBS__?: TestDatabases }).__MM_TEST_DBS__?.dispose();
}
