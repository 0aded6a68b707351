// What a load module (a file of this folder, run in autocannon's worker thread for the per-request logic) reads
// there: the data measure() shares through worker_threads' environment data, which every new worker gets a copy
// of. A SharedArrayBuffer is shared, not copied, so a cursor in one is seen by the main thread and every run.
import path from 'node:path';
import { getEnvironmentData, setEnvironmentData } from 'node:worker_threads';

const KEY = 'cme-bench:load';

/** A load module and its data, as a scenario hands them to measure(). */
export interface Load {
  module: string;
  data: unknown;
}

/** Shares `data` with the workers started from now on; undefined stops sharing it. */
export function shareLoadData(data: unknown): void {
  setEnvironmentData(KEY, data as Parameters<typeof setEnvironmentData>[1]);
}

/** In the worker: the data its measure() shared. */
export function loadData<Data>(): Data {
  const data = getEnvironmentData(KEY);
  if (data === undefined) throw new Error('no load data: load modules run only through measure()');
  return data as Data;
}

/** A counter shared between the main thread and the load workers. */
export const sharedCounter = () => new Int32Array(new SharedArrayBuffer(4));

/** One request as the load modules send it. */
export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** rotate-requests.ts: the same requests in turn, across runs. */
export interface RotatingRequests {
  cursor: Int32Array;
  requests: LoadRequest[];
}

export const rotatingRequests = (requests: LoadRequest[]): Load => ({
  module: path.join(__dirname, 'rotate-requests.ts'),
  data: { cursor: sharedCounter(), requests } satisfies RotatingRequests,
});

/** next-attempt.ts: each in-progress attempt submitted once, as its learner. */
export interface AttemptQueue {
  /** How many attempts the load has taken (≥ ids.length: the queue ran out). */
  cursor: Int32Array;
  pathPrefix: string;
  ids: number[];
  /** Index into cookies and bodies of each attempt's learner. */
  learner: number[];
  cookies: string[];
  bodies: string[];
}

export const attemptQueue = (queue: AttemptQueue): Load => ({
  module: path.join(__dirname, 'next-attempt.ts'),
  data: queue,
});

/** rotate-addresses.ts: GET /verify/<code>, the codes in turn, each from another address of 10.<subnet>/16. */
export interface RotatingAddresses {
  codes: string[];
  subnet: number;
}

export const rotatingAddresses = (data: RotatingAddresses): Load => ({
  module: path.join(__dirname, 'rotate-addresses.ts'),
  data,
});
