// The report's pure shaping: ISO weeks (the year of a week is the year of its Thursday), weeks filled in up to the
// current one, the funnel's shares, ratios that refuse to divide by zero, the free-text search's LIKE escaping.
import {
  funnelSteps,
  isoWeekLabel,
  isoWeekStart,
  ratio,
  weeklyCompletions,
} from '../../server/reports/figures';
import { containsPattern } from '../../server/reports/service';

const utc = (iso: string) => new Date(`${iso}T12:00:00Z`);

describe('report figures', () => {
  it.each([
    ['2026-01-01', '2026-W01', '2025-12-29'], // a Thursday: week 1 of 2026 starts in 2025
    ['2027-01-01', '2026-W53', '2026-12-28'], // a Friday: still the last week of 2026, which has 53
    ['2024-12-30', '2025-W01', '2024-12-30'], // a Monday of week 1 of the next year
    ['2026-11-29', '2026-W48', '2026-11-23'], // a Sunday closes its week
  ])('when the day is %s, then its ISO week is %s, starting on %s', (day, label, monday) => {
    expect(isoWeekLabel(utc(day))).toBe(label);
    expect(isoWeekStart(utc(day)).toISOString().slice(0, 10)).toBe(monday);
  });

  it('when weeks have no completion, then they are listed as 0 up to the current week', () => {
    const weeks = weeklyCompletions(
      [
        { week_start: '2026-12-21', completions: 4 },
        { week_start: '2027-01-04', completions: 1 },
      ],
      utc('2027-01-13'),
    );
    expect(weeks).toEqual([
      { week: '2026-W52', monday: '2026-12-21', completions: 4 },
      { week: '2026-W53', monday: '2026-12-28', completions: 0 },
      { week: '2027-W01', monday: '2027-01-04', completions: 1 },
      { week: '2027-W02', monday: '2027-01-11', completions: 0 },
    ]);
    expect(weeklyCompletions([], utc('2027-01-13'))).toEqual([]);
  });

  it('when a step has nobody before it, then its share is undefined rather than 0 %', () => {
    expect(ratio(0, 0)).toBeNull();
    const steps = funnelSteps({
      registered: 4,
      started: 0,
      read_all: 0,
      passed: 0,
      evaluated: 0,
      claimed: 0,
    });
    expect(steps.map((s) => [s.key, s.ofRegistered, s.ofPrevious])).toEqual([
      ['registered', 1, null],
      ['started', 0, 0],
      ['read_all', 0, null],
      ['passed', 0, null],
      ['evaluated', 0, null],
      ['claimed', 0, null],
    ]);
  });

  it('when a search holds LIKE wildcards or the escape character, then the pattern takes them literally', () => {
    expect(containsPattern('50%_a\\b')).toBe('%50\\%\\_a\\\\b%');
  });
});
