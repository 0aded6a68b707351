// Sends a set of request types at once, each through its own autocannon instance (its connections, its timeout),
// so that every type has its own throughput, latency percentiles and status counts. The instances run in this
// thread: the servers under load are other processes here, and their next() functions read this thread's queues.
//
// Two or more URLs: each type's connections are dealt round robin over them, as a load balancer deals keep-alive
// connections (autocannon connects connection i to url i mod n); the list is rotated from one type to the next, so
// the types with a single connection do not all land on the first instance.
import autocannon from 'autocannon';
import type { Measurement } from '../measure';
import type { TrafficName, TrafficType } from './traffic';

export interface TrafficResult {
  name: TrafficName;
  connections: number;
  measurement: Measurement;
  /** Answers with the expected status per second: the type's throughput. */
  okPerSecond: number;
}

export interface LoadOptions {
  urls: readonly string[];
  seconds: number;
  connections: Readonly<Record<TrafficName, number>>;
  /** Every answer as it arrives (the soak counts them per interval). */
  onResponse?: (name: TrafficName, status: number) => void;
  /** Every request that got no answer: a connection error or a timeout. */
  onError?: (name: TrafficName, error: Error) => void;
}

export interface RunningLoad {
  done: Promise<TrafficResult[]>;
  stop(): void;
}

const rotate = <T>(list: readonly T[], by: number) => list.map((_, i) => list[(i + by) % list.length]!);

export function startLoad(types: readonly TrafficType[], options: LoadOptions): RunningLoad {
  const running = types
    .filter((type) => options.connections[type.name] > 0)
    .map((type, index) => {
      const connections = options.connections[type.name];
      let settle: (error: unknown, result: autocannon.Result) => void = () => {};
      const finished = new Promise<autocannon.Result>(
        (resolve, reject) =>
          (settle = (error, result) =>
            error
              ? reject(error instanceof Error ? error : new Error(JSON.stringify(error)))
              : resolve(result)),
      );
      // With a callback autocannon returns its instance (events, stop()); the callback gets the result.
      const instance = autocannon(
        {
          // autocannon takes a list of URLs (its README), which its type definitions do not say.
          url: rotate(options.urls, index) as unknown as string,
          connections,
          duration: options.seconds,
          timeout: type.timeoutSeconds,
          requests: [
            {
              setupRequest(req: autocannon.Request) {
                const next = type.next();
                // autocannon writes Content-Length into the headers it gets: always a fresh object.
                return Object.assign(req, next, { headers: { ...next.headers } });
              },
            },
          ],
        },
        (error: unknown, result: autocannon.Result) => settle(error, result),
      );
      if (options.onResponse) {
        const report = options.onResponse;
        instance.on('response', (_client: unknown, status: number) => report(type.name, status));
      }
      if (options.onError) {
        const report = options.onError;
        instance.on('reqError', (error: Error) => report(type.name, error));
      }
      const done = finished.then((result) => toResult(type, connections, options.seconds, result));
      return { instance, done };
    });
  return {
    done: Promise.all(running.map((r) => r.done)),
    stop: () => running.forEach((r) => r.instance.stop()),
  };
}

export const runLoad = (types: readonly TrafficType[], options: LoadOptions) =>
  startLoad(types, options).done;

function toResult(
  type: TrafficType,
  connections: number,
  seconds: number,
  result: autocannon.Result,
): TrafficResult {
  const statusCodes: Record<string, number> = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {}))
    statusCodes[code] = stats.count ?? 0;
  const answered = Object.values(statusCodes).reduce((sum, n) => sum + n, 0);
  const ok = statusCodes[String(type.expectStatus)] ?? 0;
  return {
    name: type.name,
    connections,
    okPerSecond: ok / seconds,
    measurement: {
      requestsPerSecond: answered / seconds,
      latencyP50: result.latency.p50,
      latencyP99: result.latency.p99,
      requests: answered,
      unexpected: answered - ok,
      errors: result.errors,
      timeouts: result.timeouts,
      statusCodes,
    },
  };
}
