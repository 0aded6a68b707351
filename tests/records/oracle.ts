// The order the records list must follow, computed apart from the app's statements: one plain ORDER BY over every
// record (PostgreSQL's collation decides names and titles, as it does for the page).
import type { TestApp } from '../support/app';

export interface SortCase {
  key: 'date' | 'name' | 'activity' | 'amount' | 'score';
  direction: 'asc' | 'desc';
}

const KEYS: Record<SortCase['key'], string[]> = {
  date: ['c.completed_at', 'c.id'],
  name: [`coalesce(c.learner->>'fullName', '')`, 'c.id'],
  activity: ['a.title', 'a.id', 'c.completed_at', 'c.id'],
  amount: ['c.amount', 'c.id'],
  score: ['t.score_percent', 't.id'],
};

/** Every claim id in the sort's order (`where` over c, a and t narrows them). */
export async function expectedOrder(t: TestApp, sort: SortCase, where = 'TRUE', values: unknown[] = []) {
  const order = KEYS[sort.key].map((key) => `${key} ${sort.direction.toUpperCase()}`).join(', ');
  const { rows } = await t.pool.query<{ id: number }>(
    `SELECT c.id FROM credit_claims c
       JOIN activities a ON a.id = c.activity_id
       JOIN attempts t ON t.id = c.attempt_id
     WHERE ${where} ORDER BY ${order}`,
    values,
  );
  return rows.map((row) => row.id);
}
