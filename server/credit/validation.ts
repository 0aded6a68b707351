// The evaluation and claim forms.
import { z } from 'zod';
import { freeText } from '../http/input';

const rating = (label: string) =>
  z.coerce
    .number({ message: `Rate ${label} from 1 to 5` })
    .int()
    .min(1, `Rate ${label} from 1 to 5`)
    .max(5, `Rate ${label} from 1 to 5`);

const intendedChangeMessage = 'Describe what you will change in your practice (or "no change" and why)';

export function evaluationSchema(objectiveCodes: readonly string[]) {
  const ratings = Object.fromEntries(
    objectiveCodes.map((code) => [`objective_${code}`, rating('how well this objective was met')]),
  );
  return z
    .object({
      ...ratings,
      relevance: rating('the relevance to your practice'),
      freeOfBias: z.enum(['yes', 'no'], { message: 'Say whether the content was free of commercial bias' }),
      biasComment: freeText(2000, 'The comment').optional(),
      intendedChange: freeText(2000, 'Your answer', intendedChangeMessage).pipe(
        z.string().min(2, intendedChangeMessage),
      ),
      overallQuality: rating('the overall quality'),
    })
    .superRefine((value, ctx) => {
      if (value.freeOfBias === 'no' && !value.biasComment) {
        ctx.addIssue({
          code: 'custom',
          path: ['biasComment'],
          message: 'Tell us where you saw commercial bias',
        });
      }
    });
}

export function claimSchema(maximum: number) {
  return z.object({
    attest: z.literal('on', { message: 'Tick the attestation to claim credit' }),
    amount: z.coerce
      .number({ message: 'Choose the credit you claim' })
      .positive('Choose the credit you claim')
      .max(maximum, `You can claim at most ${maximum}`)
      .refine((amount) => Number.isInteger(amount * 4), 'Credit is claimed in steps of 0.25'),
  });
}

/** 0.25, 0.5, … up to the maximum: the choices offered on the claim form. */
export const claimSteps = (maximum: number) =>
  Array.from({ length: Math.round(maximum * 4) }, (_, i) => (i + 1) / 4);
