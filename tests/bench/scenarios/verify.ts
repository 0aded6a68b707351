// The public verification page, GET /verify/<code>, on the app that trusts one proxy: each request comes "from"
// another address of 10.<subnet>.0.0/16 through X-Forwarded-For, so the 120/min per-IP limit never applies (65,536
// addresses in turn: a few hits each per run); the in-memory throttle still counts every request.
//  - verify: one code again and again; every request after the first is answered from the visitors' page cache.
//  - verify-cold: 2,500 codes in turn, more than the cache holds (2,000): each pays the lookup and the render.
import crypto from 'node:crypto';
import type { PrismaClient } from '../../../server/generated/prisma/client';
import { loadScenario } from '../bench';
import type { BenchCertificate } from '../certificates';
import { rotatingAddresses } from '../load/data';
import type { Target } from '../measure';

function verificationTarget(
  proxiedUrl: string,
  certificate: BenchCertificate,
  codes: string[],
  subnet: number,
): Target {
  return {
    url: `${proxiedUrl}/verify/${codes[0]}`,
    expectText: certificate.learnerName,
    // For the check request only; under load the module sets the address of each request.
    headers: { 'x-forwarded-for': `10.${subnet + 100}.255.254` },
    load: rotatingAddresses({ codes, subnet }),
  };
}

/**
 * `count` more certificates like `source`, each with its own learner, attempt, evaluation and claim (inserted in
 * one statement).
 */
async function cloneCertificates(
  prisma: PrismaClient,
  source: BenchCertificate,
  count: number,
): Promise<string[]> {
  const run = crypto.randomBytes(4).toString('hex');
  const rows = await prisma.$queryRaw<{ code: string }[]>`
    WITH src AS (
      SELECT c.id AS claim_id, c.user_id, c.attempt_id, c.evaluation_id
      FROM certificates ce JOIN credit_claims c ON c.id = ce.claim_id WHERE ce.code = ${source.code}
    ), new_users AS (
      INSERT INTO users (email, full_name, profession, degree, updated_at)
      SELECT 'bench.cold.' || ${run} || '.' || g || '@example.org', u.full_name, u.profession, u.degree, now()
      FROM src JOIN users u ON u.id = src.user_id CROSS JOIN generate_series(1, ${count}::int) AS g
      RETURNING id
    ), new_attempts AS (
      INSERT INTO attempts (user_id, activity_id, number, status, started_at, submitted_at, item_count,
        correct_count, score_percent, passed, passing_score_percent)
      SELECT nu.id, a.activity_id, 1, a.status, a.started_at, a.submitted_at, a.item_count, a.correct_count,
        a.score_percent, a.passed, a.passing_score_percent
      FROM new_users nu CROSS JOIN src JOIN attempts a ON a.id = src.attempt_id
      RETURNING id, user_id
    ), new_evaluations AS (
      INSERT INTO evaluations (user_id, activity_id, objective_ratings, relevance, free_of_bias, bias_comment,
        intended_change, overall_quality)
      SELECT nu.id, e.activity_id, e.objective_ratings, e.relevance, e.free_of_bias, e.bias_comment,
        e.intended_change, e.overall_quality
      FROM new_users nu CROSS JOIN src JOIN evaluations e ON e.id = src.evaluation_id
      RETURNING id, user_id
    ), new_claims AS (
      INSERT INTO credit_claims (user_id, activity_id, attempt_id, evaluation_id, credit_code, credit_label,
        amount, max_amount, completed_at, learner)
      SELECT na.user_id, c.activity_id, na.id, ne.id, c.credit_code, c.credit_label, c.amount, c.max_amount,
        c.completed_at, c.learner
      FROM new_attempts na JOIN new_evaluations ne ON ne.user_id = na.user_id
      CROSS JOIN src JOIN credit_claims c ON c.id = src.claim_id
      RETURNING id
    )
    INSERT INTO certificates (claim_id, code, snapshot, issued_at)
    SELECT nc.id, md5(random()::text || clock_timestamp()::text || nc.id), ce.snapshot, ce.issued_at
    FROM new_claims nc CROSS JOIN certificates ce WHERE ce.code = ${source.code}
    RETURNING code`;
  await prisma.$executeRaw`ANALYZE users, attempts, evaluations, credit_claims, certificates`;
  return rows.map((row) => row.code);
}

export const verify = loadScenario('verify', async (bench) => {
  const certificate = await bench.certificate();
  return verificationTarget(bench.servers.proxied, certificate, [certificate.code], 0);
});

export const verifyCold = loadScenario('verify-cold', async (bench) => {
  const certificate = await bench.certificate();
  const codes = await cloneCertificates(bench.prisma, certificate, 2500);
  return verificationTarget(bench.servers.proxied, certificate, codes, 2);
});
