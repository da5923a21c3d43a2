import { NotImplementedError } from '@tenantry/contracts';
import type { RequestHandler } from 'express';

/**
 * Answers every request under a mount point with a 501 problem naming the capability that is not built
 * yet — honest about what is missing instead of serving fake data.
 */
export function notImplemented(capability: string): RequestHandler {
  return (req) => {
    throw new NotImplementedError(`${capability} is not available yet: ${req.method} ${req.originalUrl} has no implementation.`, {
      capability,
    });
  };
}
