// The request log: one record per request with its id, method, path and status, and the id in the answer.
import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import { createTestApp, type TestApp } from '../support/app';

let t: TestApp;
const records: Record<string, unknown>[] = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
        records.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  t = await createTestApp({ logger: pino({ level: 'info' }, sink) });
});
afterAll(() => t.close());
beforeEach(() => {
  records.length = 0;
});

/** The log is written when the response closes, just after the client has the answer. */
async function recordsFor(reqId: string, expected: number) {
  for (let i = 0; i < 50 && records.filter((r) => r.reqId === reqId).length < expected; i++)
    await new Promise((resolve) => setTimeout(resolve, 10));
  return records.filter((r) => r.reqId === reqId);
}

describe('the request log', () => {
  it('when a page is served, then one record has the request id, method, path, status and time', async () => {
    const res = await request(t.app)
      .get('/activities/renal-leiomyosarcoma')
      .set('X-Request-Id', 'trace-0001-abcd')
      .expect(200);
    expect(res.headers['x-request-id']).toBe('trace-0001-abcd');
    const [record, ...more] = await recordsFor('trace-0001-abcd', 1);
    expect(more).toEqual([]);
    expect(record).toMatchObject({
      level: 30,
      msg: 'request completed',
      req: { method: 'GET', url: '/activities/renal-leiomyosarcoma' },
      res: { statusCode: 200 },
      responseTime: expect.any(Number) as unknown,
    });
    // Method, path and status only: no headers, cookies or bodies.
    expect(JSON.stringify(record)).not.toMatch(/cookie|user-agent/i);
  });

  it('when the incoming id is not a plain token, then a fresh UUID is used instead', async () => {
    const res = await request(t.app)
      .get('/healthz')
      .set('X-Request-Id', 'bad id <script>alert(1)</script>')
      .expect(200);
    expect(res.headers['x-request-id']).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(await recordsFor(res.headers['x-request-id']!, 1)).toHaveLength(1);
  });

  it('when a page does not exist, then the 404 page shows the request id and the log has it with the reason', async () => {
    const res = await request(t.app).get('/no-such-page').set('X-Request-Id', 'trace-0002-abcd').expect(404);
    expect(res.text).toContain('trace-0002-abcd');
    const logged = await recordsFor('trace-0002-abcd', 2);
    expect(logged).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          msg: 'request rejected',
          status: 404,
          req: { method: 'GET', url: '/no-such-page' },
        }),
        expect.objectContaining({ msg: 'request completed', res: { statusCode: 404 } }),
      ]),
    );
  });
});
