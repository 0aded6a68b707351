// Load module (autocannon's setupRequest, in its worker thread): the shared requests in turn.
import type autocannon from 'autocannon';
import { loadData, type RotatingRequests } from './data';

const { cursor, requests } = loadData<RotatingRequests>();

export = function nextRequest(req: autocannon.Request): autocannon.Request {
  const next = requests[Atomics.add(cursor, 0, 1) % requests.length]!;
  // autocannon writes Content-Length into the headers it is given: a copy, so the shared ones stay as they are.
  return Object.assign(req, next, { headers: { ...next.headers } });
};
