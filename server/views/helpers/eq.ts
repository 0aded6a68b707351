/** {{#if (eq a b)}}: strict equality, for marking the current item in a list. */
export const eq = (a: unknown, b: unknown): boolean => a === b;
