// Typed HTTP errors and the one error pipeline: HTML for browsers, JSON for clients that ask for it,
// never a stack trace or a raw database error in production.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { isDatabaseBusy, isDatabaseUnavailable, RETRY_AFTER_SECONDS } from '../db/availability';
import { requestContext } from './logging';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export class NotFoundError extends HttpError {
  constructor(message = 'The page you asked for does not exist.') {
    super(404, message);
  }
}

export class BadRequestError extends HttpError {
  constructor(message: string, details?: unknown) {
    super(400, message, details);
  }
}

/** The database cannot be reached: the request was not carried out and can be retried as it is. */
export class ServiceUnavailableError extends HttpError {
  constructor(
    message = 'The service is briefly unavailable: we cannot reach our database. Please try again in a few seconds.',
  ) {
    super(503, message);
  }
}

const titles: Record<number, string> = {
  400: 'Bad request',
  401: 'Sign in required',
  403: 'Not allowed',
  404: 'Page not found',
  409: 'Conflict',
  413: 'Request too large',
  422: 'Cannot process this request',
  429: 'Too many requests',
  500: 'Something went wrong',
  503: 'Temporarily unavailable',
};

export const notFoundHandler: RequestHandler = (_req, _res, next) => next(new NotFoundError());

export function errorHandler(options: {
  production: boolean;
  logger: Logger;
  /** Told about every unexpected error, so that an outage is noticed by the first request that meets it. */
  onUnexpected?: (error: unknown) => void;
}): ErrorRequestHandler {
  const { logger } = options;
  return (raw: unknown, req, res, _next) => {
    if (!(raw instanceof HttpError)) options.onUnexpected?.(raw);
    // A database that cannot be reached (or a pool too busy to lend a connection in time) is a moment to wait out,
    // not a bug: 503 with Retry-After.
    const error =
      raw instanceof HttpError
        ? raw
        : isDatabaseUnavailable(raw)
          ? new ServiceUnavailableError()
          : isDatabaseBusy(raw)
            ? new ServiceUnavailableError('The service is busy right now. Please try again in a few seconds.')
            : raw;
    const known = error instanceof HttpError;
    // body-parser and other http-errors carry a client status; anything else is our fault.
    const clientStatus = (error as { status?: unknown } | null | undefined)?.status;
    const status = known
      ? error.status
      : typeof clientStatus === 'number' && clientStatus >= 400 && clientStatus < 500
        ? clientStatus
        : 500;
    const message =
      error instanceof ServiceUnavailableError
        ? error.message
        : status >= 500
          ? 'An unexpected error occurred. It has been logged; please try again later.'
          : error instanceof Error
            ? error.message
            : 'Bad request';
    if (error instanceof ServiceUnavailableError)
      logger.warn({ ...requestContext(req), err: raw === error ? undefined : raw }, 'database unavailable');
    else if (status >= 500) logger.error({ ...requestContext(req), err: error }, 'request error');
    else logger.info({ ...requestContext(req), status, message }, 'request rejected');
    if (res.headersSent) return;
    const title = titles[status] ?? 'Error';
    const stack = !options.production && status >= 500 && error instanceof Error ? error.stack : undefined;
    res.status(status);
    if (status === 503) res.set('Retry-After', String(RETRY_AFTER_SECONDS));
    if (req.accepts(['html', 'json']) === 'json') {
      res.json({
        error: { status, title, message, details: known ? error.details : undefined, requestId: req.id },
      });
      return;
    }
    res.render('errors/error', { title, status, message, stack, requestId: req.id });
  };
}
