import { expect } from "chai";

import { PoaError, type ErrorCode } from "../../src/core/errors.js";

/**
 * Runs `fn` and checks that it throws a PoaError with `code` (and, where the message is under
 * test, a message matching `message`). Returns the error for further checks.
 */
export function expectPoaError(fn: () => unknown, code: ErrorCode, message?: RegExp | string): PoaError {
  try {
    fn();
  } catch (error) {
    return checkPoaError(error, code, message);
  }
  return expect.fail(`expected a PoaError ${code}, but nothing was thrown`);
}

/** As expectPoaError, for a promise. */
export async function expectPoaErrorAsync(
  promise: Promise<unknown>,
  code: ErrorCode,
  message?: RegExp | string,
): Promise<PoaError> {
  try {
    await promise;
  } catch (error) {
    return checkPoaError(error, code, message);
  }
  return expect.fail(`expected a PoaError ${code}, but the promise resolved`);
}

function checkPoaError(error: unknown, code: ErrorCode, message?: RegExp | string): PoaError {
  expect(error, String(error)).to.be.instanceOf(PoaError);
  const poa = error as PoaError;
  expect(poa.code, poa.message).to.equal(code);
  if (message instanceof RegExp) expect(poa.message).to.match(message);
  else if (message !== undefined) expect(poa.message).to.contain(message);
  return poa;
}
