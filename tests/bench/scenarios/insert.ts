// A baseline for writes: a bare Express 5 app whose POST /insert parses a form body the size and shape of a
// post-test submission and does one INSERT through pg (pool of 10, like the app's).
import express from 'express';
import { Pool } from 'pg';
import { loadScenario, sampleAnswers, type Bench } from '../bench';

async function insertApp(bench: Bench): Promise<express.Express> {
  const pool = new Pool({ connectionString: bench.databaseUrl, max: 10 });
  pool.on('error', () => {}); // idle connections cut when the bench database stops
  bench.cleanup.add('end the insert baseline pool', () => pool.end());
  await pool.query(
    'CREATE TABLE IF NOT EXISTS bench_inserts (id bigserial PRIMARY KEY, payload text NOT NULL, ' +
      'created_at timestamptz NOT NULL DEFAULT now())',
  );
  const app = express();
  app.use(express.urlencoded({ extended: false, limit: '100kb', parameterLimit: 200 }));
  app.post('/insert', async (req, res) => {
    await pool.query('INSERT INTO bench_inserts(payload) VALUES ($1)', [JSON.stringify(req.body)]);
    res.sendStatus(204);
  });
  return app;
}

export const insert = loadScenario('insert', async (bench) => ({
  url: `${await bench.listen('insert baseline', await insertApp(bench))}/insert`,
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: `${sampleAnswers}&_csrf=${'f'.repeat(128)}`,
}));
