// Typed errors, rendered in one place (app.ts) as
// {"error":{"code":"...","message":"...","details"?:...}}.
// Throw these from domain code and stores; never build error responses by hand.

export type ErrorDetails = Record<string, unknown> | unknown[];

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetails,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** 400: the input is malformed or fails its schema; nothing changed. */
export class ValidationError extends AppError {
  constructor(message: string, details?: ErrorDetails) {
    super(400, 'invalid_request', message, details);
  }
}

/** 401: the caller is not authenticated (missing, wrong or stale credentials). */
export class UnauthorizedError extends AppError {
  constructor(message = 'authentication required', code = 'unauthorized') {
    super(401, code, message);
  }
}

/** 403: authenticated, but not allowed to do this. */
export class ForbiddenError extends AppError {
  constructor(message = 'forbidden', code = 'forbidden') {
    super(403, code, message);
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'not found', code = 'not_found') {
    super(404, code, message);
  }
}

/** 409: the request conflicts with current state (duplicate, wrong version). */
export class ConflictError extends AppError {
  constructor(message: string, code = 'conflict', details?: ErrorDetails) {
    super(409, code, message, details);
  }
}

/** 503: a store or downstream service does not answer; retrying later may work. */
export class ServiceUnavailableError extends AppError {
  constructor(message: string, code = 'unavailable', details?: ErrorDetails) {
    super(503, code, message, details);
  }
}

/** 504: a downstream service did not answer in time. */
export class GatewayTimeoutError extends AppError {
  constructor(message: string, code = 'upstream_timeout') {
    super(504, code, message);
  }
}

/** 502: a downstream service answered something unusable. */
export class BadGatewayError extends AppError {
  constructor(message: string, code = 'bad_gateway') {
    super(502, code, message);
  }
}

export interface ErrorBody {
  error: { code: string; message: string; details?: ErrorDetails };
}

export function errorBody(code: string, message: string, details?: ErrorDetails): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}
