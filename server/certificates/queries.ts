// The certificates' hand-written SQL, on node-postgres rather than Prisma: the public verification page is busy
// (every PDF's QR code points at it), and a Prisma query costs about six times the CPU of a prepared pg query here
// (README, Benchmarks). The statement is named, so it is prepared once per connection.
// tests/db/hand-written-sql.test.ts pins the table and columns it names to prisma/schema.prisma and runs it.
import type { Pool } from 'pg';
import type { CertificateSnapshot } from './snapshot';

export const CERTIFICATE_BY_CODE_SQL = `SELECT snapshot, issued_at, revoked_at, revoked_reason, superseded_at FROM certificates WHERE code = $1`;

/** What verification may state about a certificate: certificates. */
export interface CertificateByCodeRow {
  snapshot: CertificateSnapshot;
  issued_at: Date;
  revoked_at: Date | null;
  revoked_reason: string | null;
  /** Set when a claim correction reissued the certificate under a new code. */
  superseded_at: Date | null;
}

/** The certificates' statements on `pool` (anything with the pool's query, e.g. a recording wrapper in a test). */
export function createCertificateQueries(pool: Pick<Pool, 'query'>) {
  /** The certificate with this code; null when none has it. */
  async function certificateByCode(code: string): Promise<CertificateByCodeRow | null> {
    const { rows } = await pool.query<CertificateByCodeRow>({
      name: 'certificate-verification',
      text: CERTIFICATE_BY_CODE_SQL,
      values: [code],
    });
    return rows[0] ?? null;
  }

  return { certificateByCode };
}

export type CertificateQueries = ReturnType<typeof createCertificateQueries>;
