// The TsrunError a call throws, for unit tests that check the error's code and words; any
// other throw (or none) fails the test.
import { TsrunError } from '../../src/errors';

export function thrown(fn: () => unknown): TsrunError {
  try {
    fn();
  } catch (error) {
    if (error instanceof TsrunError) return error;
    throw error;
  }
  throw new Error('expected a TsrunError');
}
