import { expect } from 'chai';
import { AppError, toAppError } from '../../shared/errors.js';

describe('errors', () => {
  it('when a non-AppError is converted, then it becomes internal_error and hides the message', () => {
    const err = toAppError(new Error('ECONNREFUSED 10.0.0.1'));
    expect(err.code).to.equal('internal_error');
    expect(err.message).to.not.contain('ECONNREFUSED');
  });
  it('when an AppError has a code, then its HTTP status comes from the catalogue', () => {
    expect(new AppError('rate_limited').httpStatus).to.equal(429);
  });
});
