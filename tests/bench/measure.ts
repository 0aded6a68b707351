// One autocannon run against one URL, reduced to the figures the report prints.
import autocannon from 'autocannon';

/** What a scenario hands to measure(): where to send load, and optionally how. */
export interface Target {
  url: string;
  /** Text the response body must contain, checked once before the load (proves the right page is measured). */
  expectText?: string;
  /**
   * Extra autocannon options (method, headers, body, requests…) for scenarios that are more than a GET.
   * autocannon runs in a worker thread, so setupRequest/onResponse must be file paths, not functions.
   */
  options?: Omit<autocannon.Options, 'url' | 'duration' | 'connections' | 'workers'>;
}

export interface Measurement {
  requestsPerSecond: number;
  latencyP50: number;
  latencyP99: number;
  /** Completed requests (all status codes). */
  requests: number;
  non2xx: number;
  /** Connection errors, timeouts included. */
  errors: number;
  timeouts: number;
  /** Bodies that did not match an `expectBody` option. */
  mismatches: number;
  statusCodes: Record<string, number>;
}

export async function measure(
  target: Target,
  settings: { duration: number; connections: number },
): Promise<Measurement> {
  const result = await autocannon({
    ...target.options,
    url: target.url,
    duration: settings.duration,
    connections: settings.connections,
    // The load generator runs in its own thread, so it does not take event-loop time from the server
    // under test (both servers run in this process's main thread).
    workers: 1,
  });
  const statusCodes: Record<string, number> = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {}))
    statusCodes[code] = stats.count ?? 0;
  return {
    requestsPerSecond: result.requests.average,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    mismatches: result.mismatches,
    statusCodes,
  };
}

/** One request before any load: a scenario whose page is broken should fail at once, with its status and body. */
export async function checkTarget(target: Target): Promise<void> {
  const response = await fetch(target.url, {
    method: target.options?.method ?? 'GET',
    headers: target.options?.headers as Record<string, string> | undefined,
    body: target.options?.body as string | undefined,
    redirect: 'manual',
  });
  const body = await response.text();
  if (response.status < 200 || response.status >= 300) {
    throw new Error(`${target.url} answered ${response.status}, not 2xx:\n${body.slice(0, 500)}`);
  }
  const { expectText } = target;
  if (expectText !== undefined && !body.includes(expectText)) {
    throw new Error(
      `${target.url} answered ${response.status} without "${expectText}":\n${body.slice(0, 500)}`,
    );
  }
}
