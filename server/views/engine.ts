// Handlebars setup: one layout, partials, one helper per file, and fingerprinted static assets.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Express } from 'express';
import express from 'express';
import { create } from 'express-handlebars';
import { eq } from './helpers/eq';
import { not } from './helpers/not';
import { plural } from './helpers/plural';

export function setupViews(app: Express, viewsDir: string, production: boolean): void {
  const staticDir = path.join(viewsDir, 'static');
  // A content hash in each asset URL lets browsers cache assets for a year and still see changes at once.
  const fingerprints = new Map<string, string>();
  const asset = (name: string) => {
    let hash = fingerprints.get(name);
    if (!hash) {
      hash = crypto
        .createHash('sha256')
        .update(fs.readFileSync(path.join(staticDir, name)))
        .digest('hex')
        .slice(0, 12);
      if (production) fingerprints.set(name, hash);
    }
    return `/static/${name}?v=${hash}`;
  };

  const engine = create({
    extname: '.hbs',
    defaultLayout: 'main',
    layoutsDir: path.join(viewsDir, 'layouts'),
    partialsDir: path.join(viewsDir, 'partials'),
    helpers: { eq, not, plural, asset },
  });
  app.engine('.hbs', engine.engine);
  app.set('view engine', '.hbs');
  app.set('views', viewsDir);
  app.set('view cache', production);
  app.use('/static', express.static(staticDir, { immutable: true, maxAge: '365d', index: false }));
}
