/** {{plural count "lesson"}} → "1 lesson", "13 lessons". */
export const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;
