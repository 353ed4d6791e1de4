// Inputs the "this wasn't me" API and pages read alike.
import { z } from 'zod';

/** 256-bit tokens are 43 base64url characters; a little room, never unbounded. */
export const secretInput = z.string().min(1, 'required').max(128, 'too long').regex(/^[A-Za-z0-9_-]+$/, 'not a "this wasn’t me" token');
export const eventIdParam = z.string().regex(/^[1-9]\d{0,14}$/, 'an activity id');
