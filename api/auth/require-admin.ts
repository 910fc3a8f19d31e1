import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../../shared/errors.js';
import { safeEqual } from '../../shared/security/tokens.js';

/** Middleware: the admin bearer token, compared in constant time; anything else is `unauthorized`. */
export function requireAdmin(adminToken: string) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const header = req.get('authorization') ?? '';
    const token = /^bearer\s+/i.test(header) ? header.replace(/^bearer\s+/i, '').trim() : '';
    if (!safeEqual(adminToken, token)) throw new AppError('unauthorized');
    next();
  };
}

/** The JSON object body of an admin request, or `invalid_request` saying how to send one. */
export function bodyOf(req: Request): Record<string, unknown> {
  if (req.body === null || typeof req.body !== 'object' || Array.isArray(req.body)) {
    throw new AppError('invalid_request', 'Send a JSON object with Content-Type: application/json');
  }
  return req.body as Record<string, unknown>;
}
