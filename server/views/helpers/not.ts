/** {{#if (not value)}}: negation inside else-if chains, where {{#unless}} cannot go. */
export const not = (value: unknown): boolean => !value;
