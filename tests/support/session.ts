// Kept for the test files that still import it (tests/security, tests/http, tests/db and tests/auth's throttle and
// session-column tests): the HTTP client now lives in client.ts and test data in factories.ts.
import type { PrismaClient } from '../../server/generated/prisma/client';
import { hashPassword } from '../../server/auth/passwords';
import { strongPassword } from './factories';

export { csrfTokenFrom, signIn, submitForm, type Agent } from './client';
export { learnerFields, strongPassword } from './factories';

let cachedHash: Promise<string> | null = null;

/**
 * Writes a user row directly, with one cached hash of the shared password. Superseded by factories.ts's `user`,
 * which makes accounts the way the app does; new tests use that.
 */
export async function createUser(
  prisma: PrismaClient,
  data: { email?: string; role?: 'learner' | 'educator' | 'admin'; active?: boolean; fullName?: string } = {},
) {
  cachedHash ??= hashPassword(strongPassword);
  return prisma.user.create({
    data: {
      email: data.email ?? `${data.role ?? 'learner'}.${Math.random().toString(36).slice(2, 10)}@example.org`,
      passwordHash: await cachedHash,
      role: data.role ?? 'learner',
      active: data.active ?? true,
      fullName: data.fullName ?? `Test ${data.role ?? 'learner'}`,
      profession: 'physician',
      degree: 'MD',
    },
  });
}
