// Every timestamp column of the schema is `timestamp(3)` (Prisma's DateTime) holding UTC, as Prisma writes and reads
// it. Two things would shift such times on a server whose zone is not UTC, and both are set here:
//  - node-postgres sends a Date as the process's local time and reads a `timestamp` column as local time;
//  - PostgreSQL turns a `timestamp` into an instant in the session's TimeZone (the server's default, which initdb
//    takes from the machine) wherever it meets a timestamptz: comparisons, to_char of AT TIME ZONE, to_timestamp.
// Left alone, a submission was stored hours off and a completion at 23:30 UTC fell out of its own day's filter in
// New York (tests/db/time-zone.test.ts). Prisma's driver adapter converts its own values (UTC both ways).
import { defaults, types } from 'pg';

/** A connection's `options` (PostgreSQL's `-c`) that make its session work in UTC. */
export const UTC_SESSION = '-c TimeZone=UTC';

/** Makes node-postgres, in this whole process, send Dates as UTC and read `timestamp` columns as UTC. */
export function readAndWriteTimestampsAsUtc(): void {
  defaults.parseInputDatesAsUTC = true;
  // pg-types declares its parsers as any; this one turns PostgreSQL's timestamptz text into a Date.
  const parseWithZone = types.getTypeParser(types.builtins.TIMESTAMPTZ, 'text') as (text: string) => Date;
  types.setTypeParser(types.builtins.TIMESTAMP, 'text', (text: string) => parseWithZone(`${text}+00`));
}
