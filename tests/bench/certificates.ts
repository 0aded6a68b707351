// A certificate issued the way the app issues one, for the verification pages and the PDF.
import crypto from 'node:crypto';
import path from 'node:path';
import { createCatalogue } from '../../server/catalogue/service';
import type { CertificateSnapshot } from '../../server/certificates/snapshot';
import { loadContent } from '../../server/content/load';
import { createCreditService } from '../../server/credit/service';
import type { PrismaClient } from '../../server/generated/prisma/client';
import { ACTIVITY_SLUG } from './bench';

export interface BenchCertificate {
  code: string;
  snapshot: CertificateSnapshot;
  learnerName: string;
}

/**
 * A physician (AMA PRA credit, the italic designation) with a passed attempt and an evaluation inserted directly,
 * then the credit service's claim, which freezes the full snapshot and creates the claim and certificate rows in
 * one transaction.
 */
export async function issueCertificate(prisma: PrismaClient, projectRoot: string): Promise<BenchCertificate> {
  const content = loadContent(path.join(projectRoot, 'content'));
  const activity = await createCatalogue(prisma, content.provider).find(ACTIVITY_SLUG);
  if (!activity) throw new Error(`activity ${ACTIVITY_SLUG} is not in the database (content not synced?)`);
  const learnerName = 'Zoë Bench-Verifier';
  const user = await prisma.user.create({
    data: {
      email: `bench.verifier.${crypto.randomBytes(4).toString('hex')}@example.org`,
      passwordHash: null,
      fullName: learnerName,
      profession: 'physician',
      degree: 'MD',
    },
  });
  const submittedAt = new Date();
  await prisma.attempt.create({
    data: {
      userId: user.id,
      activityId: activity.id,
      number: 1,
      status: 'scored',
      startedAt: submittedAt,
      submittedAt,
      itemCount: activity.postTest.itemCount,
      correctCount: activity.postTest.itemCount,
      scorePercent: 100,
      passed: true,
      passingScorePercent: activity.postTest.passingScorePercent,
    },
  });
  await prisma.evaluation.create({
    data: {
      userId: user.id,
      activityId: activity.id,
      objectiveRatings: Object.fromEntries(activity.objectives.map((o) => [o.code, 5])),
      relevance: 5,
      freeOfBias: true,
      biasComment: null,
      intendedChange: 'Refer solid renal masses with atypical features for image-guided core biopsy.',
      overallQuality: 5,
    },
  });
  const claim = await createCreditService({ prisma }).claim(user.id, activity, Number(activity.credits));
  if (!claim.certificate) throw new Error('the claim created no certificate');
  const certificate = await prisma.certificate.findUniqueOrThrow({ where: { code: claim.certificate.code } });
  return {
    code: certificate.code,
    snapshot: certificate.snapshot as unknown as CertificateSnapshot,
    learnerName,
  };
}
