// The shape of content/activities/<slug>/items.yaml: the post-test items an activity ships with.
import { z } from 'zod';
import { slug, text } from './schema';

const optionSchema = z.strictObject({ id: z.string().regex(/^[A-E]$/, 'must be a letter A to E'), text });

export const itemsSchema = z
  .array(
    z
      .strictObject({
        key: slug,
        objective: z.string().regex(/^[A-Z][A-Z0-9]*$/),
        type: z.enum(['single', 'multiple']),
        stem: text,
        options: z.array(optionSchema).min(4, 'needs 4 or 5 options').max(5, 'needs 4 or 5 options'),
        correct: z.array(z.string()).min(1),
        rationale: text,
        section: slug,
        references: z.array(z.number().int().positive()),
      })
      .superRefine((item, ctx) => {
        const ids = item.options.map((o) => o.id);
        if (ids.join('') !== 'ABCDE'.slice(0, ids.length)) {
          ctx.addIssue({
            code: 'custom',
            path: ['options'],
            message: 'option ids must be A, B, C, D (, E) in order',
          });
        }
        for (const id of item.correct) {
          if (!ids.includes(id))
            ctx.addIssue({ code: 'custom', path: ['correct'], message: `"${id}" is not an option` });
        }
        if (new Set(item.correct).size !== item.correct.length) {
          ctx.addIssue({ code: 'custom', path: ['correct'], message: 'lists an option twice' });
        }
        if (item.type === 'single' && item.correct.length !== 1) {
          ctx.addIssue({
            code: 'custom',
            path: ['correct'],
            message: 'a single-answer item has exactly one correct option',
          });
        }
        if (item.type === 'multiple' && item.correct.length < 2) {
          ctx.addIssue({
            code: 'custom',
            path: ['correct'],
            message: 'a multiple-response item has at least two correct options',
          });
        }
        if (/\b(all|none) of the above\b/i.test(item.options.map((o) => o.text).join(' '))) {
          ctx.addIssue({
            code: 'custom',
            path: ['options'],
            message: '"all/none of the above" is not allowed',
          });
        }
      }),
  )
  .superRefine((items, ctx) => {
    const seen = new Set<string>();
    items.forEach((item, index) => {
      if (seen.has(item.key))
        ctx.addIssue({ code: 'custom', path: [index, 'key'], message: `duplicate key "${item.key}"` });
      seen.add(item.key);
    });
  });
export type ItemFile = z.infer<typeof itemsSchema>[number];
