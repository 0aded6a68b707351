// Handlebars setup: one layout, partials, one helper per file, and fingerprinted static assets.
//
// The engine is Handlebars itself behind Express's view interface, not express-handlebars: that package
// re-lists and re-resolves every partial through a chain of promises on each render (35 µs a page against 6 µs
// here; the uncached verification page went from 2,100 to 3,000 req/s: README, Benchmarks). Templates are
// compiled once in production and rendered synchronously; in development they are re-read on each render.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Express } from 'express';
import express from 'express';
import Handlebars from 'handlebars';
import { eq } from './helpers/eq';
import { not } from './helpers/not';
import { plural } from './helpers/plural';

const EXTENSION = '.hbs';

type Template = Handlebars.TemplateDelegate;

/** Compiles each file once (production) or on each use (development, so edits show without a restart). */
function templateCache(handlebars: typeof Handlebars, cache: boolean) {
  const compiled = new Map<string, Template>();
  return (file: string): Template => {
    let template = cache ? compiled.get(file) : undefined;
    if (!template) {
      template = handlebars.compile(fs.readFileSync(file, 'utf8'));
      if (cache) compiled.set(file, template);
    }
    return template;
  };
}

/** Registers every views/partials/<name>.hbs as the partial <name>. */
function registerPartials(handlebars: typeof Handlebars, partialsDir: string) {
  for (const entry of fs.readdirSync(partialsDir)) {
    if (!entry.endsWith(EXTENSION)) continue;
    const name = entry.slice(0, -EXTENSION.length);
    handlebars.registerPartial(name, fs.readFileSync(path.join(partialsDir, entry), 'utf8'));
  }
}

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

  // Its own Handlebars environment: tests build several apps in one process.
  const handlebars = Handlebars.create();
  handlebars.registerHelper({ eq, not, plural, asset });
  const partialsDir = path.join(viewsDir, 'partials');
  registerPartials(handlebars, partialsDir);
  const template = templateCache(handlebars, production);
  const layoutFile = path.join(viewsDir, 'layouts', `main${EXTENSION}`);

  // Express calls this with the view's path and res.locals merged with the render options; every page is
  // rendered into the one layout as {{{body}}}.
  app.engine(EXTENSION, (file, context, callback) => {
    try {
      if (!production) registerPartials(handlebars, partialsDir);
      const body = template(file)(context);
      callback(null, template(layoutFile)({ ...context, body }));
    } catch (error) {
      callback(error);
    }
  });
  app.set('view engine', EXTENSION);
  app.set('views', viewsDir);
  app.set('view cache', production);
  app.use('/static', express.static(staticDir, { immutable: true, maxAge: '365d', index: false }));
}
