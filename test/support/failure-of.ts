import { expect } from 'chai';
import { AppError } from '../../shared/errors.js';

/** Awaits a promise that must reject with an AppError, and returns that error. */
export async function failureOf(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    expect(err, 'drivers throw AppError, never raw errors').to.be.instanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected a failure');
}
