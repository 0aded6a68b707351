// One autocannon run against one target, reduced to the figures the report prints, and the single request that
// checks a target before any load.
import autocannon from 'autocannon';
import { shareLoadData, type Load } from './load/data';

/** What a scenario hands to measure(): where to send load, how, and what every answer must be. */
export interface Target {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** The status every answer must have; any 2xx when unset. */
  expectStatus?: number;
  /** Text the body of the check request must contain (proves the right page is measured). */
  expectText?: string;
  /** Per-request logic (a module of load/ with its data) for load that is more than one request repeated. */
  load?: Load;
}

export interface Measurement {
  requestsPerSecond: number;
  latencyP50: number;
  latencyP99: number;
  /** Completed requests (all status codes). */
  requests: number;
  /** Answers with another status than the target expects. */
  unexpected: number;
  /** Connection errors, timeouts included. */
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
}

const expected = (target: Pick<Target, 'expectStatus'>, status: number) =>
  target.expectStatus === undefined ? status >= 200 && status < 300 : status === target.expectStatus;

export async function measure(
  target: Target,
  settings: { duration: number; connections: number },
): Promise<Measurement> {
  // Shared with the worker autocannon starts now (it gets a copy of the environment data when it starts).
  shareLoadData(target.load?.data);
  let running: Promise<autocannon.Result>;
  try {
    running = autocannon({
      url: target.url,
      // Only what is set: autocannon takes an undefined option for a value (an undefined method fails).
      ...(target.method ? { method: target.method } : {}),
      ...(target.headers ? { headers: target.headers } : {}),
      ...(target.body !== undefined ? { body: target.body } : {}),
      ...(target.load ? { requests: [{ setupRequest: target.load.module }] } : {}),
      duration: settings.duration,
      connections: settings.connections,
      // The load generator runs in its own thread, so it does not take event-loop time from the server
      // under test (the servers run in this process's main thread).
      workers: 1,
    });
  } finally {
    shareLoadData(undefined);
  }
  const result = await running;
  const statusCodes: Record<string, number> = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {}))
    statusCodes[code] = stats.count ?? 0;
  return {
    requestsPerSecond: result.requests.average,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
    requests: result.requests.total,
    unexpected: Object.entries(statusCodes)
      .filter(([code]) => !expected(target, Number(code)))
      .reduce((sum, [, count]) => sum + count, 0),
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
  };
}

/** One request before any load: a scenario whose page is broken should fail at once, with its status and body. */
export async function checkTarget(target: Target): Promise<void> {
  const response = await fetch(target.url, {
    method: target.method ?? 'GET',
    headers: target.headers,
    body: target.body,
    redirect: 'manual',
  });
  const body = await response.text();
  if (!expected(target, response.status)) {
    const wanted = target.expectStatus ?? '2xx';
    throw new Error(`${target.url} answered ${response.status}, not ${wanted}:\n${body.slice(0, 500)}`);
  }
  const { expectText } = target;
  if (expectText !== undefined && !body.includes(expectText)) {
    throw new Error(
      `${target.url} answered ${response.status} without "${expectText}":\n${body.slice(0, 500)}`,
    );
  }
}
