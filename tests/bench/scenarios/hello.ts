// The baseline: a bare Express 5 hello world, what Express itself costs per request on this machine.
import express from 'express';
import { loadScenario } from '../bench';

function helloApp(): express.Express {
  const app = express();
  app.get('/', (_req, res) => {
    res.send('hello');
  });
  return app;
}

export const hello = loadScenario('hello', async (bench) => ({
  url: `${await bench.listen('hello', helloApp())}/`,
  expectText: 'hello',
}));
