import { ConflictError, NotFoundError, ServiceUnavailableError } from '@tenantry/contracts';
import mongoose from 'mongoose';
import { toTenantryError } from './errors';

const { MongoServerError, MongoNetworkError } = mongoose.mongo;

describe('mapping driver errors', () => {
  it('when the server reports a duplicate key (E11000), then it is a ConflictError', () => {
    const error = new MongoServerError({ code: 11000, errmsg: 'E11000 duplicate key error collection: tenantry.widgets' });
    expect(toTenantryError(error, 'widgets')).toBeInstanceOf(ConflictError);
  });

  it('when FerretDB reports a unique violation of an update as an InternalError, then it is a ConflictError too', () => {
    const error = new MongoServerError({
      code: 1,
      codeName: 'InternalError',
      errmsg:
        "[msg_update.go:133 handler.(*Handler).updateDocument] … constraint failed: UNIQUE constraint failed: index 'widgets_9619c410_unique_sku' (2067)",
    });
    expect(toTenantryError(error, 'widgets')).toBeInstanceOf(ConflictError);
  });

  it('when the server cannot be reached, then it is a ServiceUnavailableError that keeps the cause', () => {
    const network = new MongoNetworkError('connect ECONNREFUSED 127.0.0.1:27017');
    const mapped = toTenantryError(network, 'widgets');
    expect(mapped).toBeInstanceOf(ServiceUnavailableError);
    expect((mapped as Error).cause).toBe(network);
    const selection = Object.assign(new Error('Server selection timed out after 2000 ms'), { name: 'MongoServerSelectionError' });
    expect(toTenantryError(selection, 'widgets')).toBeInstanceOf(ServiceUnavailableError);
    expect(toTenantryError(new MongoServerError({ code: 91, errmsg: 'shutdown in progress' }), 'widgets')).toBeInstanceOf(
      ServiceUnavailableError,
    );
  });

  it('when the error is a bug or already typed, then it passes through unchanged', () => {
    const bug = new MongoServerError({ code: 2, errmsg: 'BadValue' });
    const typed = new NotFoundError('gone');
    expect(toTenantryError(bug, 'widgets')).toBe(bug);
    expect(toTenantryError(typed, 'widgets')).toBe(typed);
  });
});
