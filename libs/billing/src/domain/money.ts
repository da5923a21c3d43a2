/**
 * Integer-cent arithmetic. Money never passes through a fraction: a price times a share is computed as one
 * integer product divided once, so the result is exact up to the single rounding that the rules ask for.
 */

/** Throws unless `value` is a whole number of cents ≥ 0 (prices, balances, quantities). */
export function assertNonNegativeInteger(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
}

/** Throws unless `value` is a whole number of cents (credits are negative). */
export function assertInteger(value: number, name: string): void {
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`${name} must be an integer, got ${value}`);
  }
}

/**
 * `amount × numerator ÷ denominator`, rounded half up, for non-negative integers. The product must stay a
 * safe integer (below 2^53): past it a double silently loses units, so this throws instead of rounding wrong.
 */
export function mulDivRoundHalfUp(amount: number, numerator: number, denominator: number): number {
  assertNonNegativeInteger(amount, 'amount');
  assertNonNegativeInteger(numerator, 'numerator');
  assertNonNegativeInteger(denominator, 'denominator');
  if (denominator === 0) throw new RangeError('denominator must be positive');
  const product = amount * numerator;
  if (!Number.isSafeInteger(product)) {
    throw new RangeError(`${amount} × ${numerator} exceeds 2^53: integer arithmetic would lose precision`);
  }
  // `%` and the subtraction are exact on safe integers, unlike `Math.floor(product / denominator)`.
  const remainder = product % denominator;
  const quotient = (product - remainder) / denominator;
  return 2 * remainder >= denominator ? quotient + 1 : quotient;
}

/** The sum of integer amounts (a total that adds up is the invoice's first promise). */
export function sumCents(amounts: Iterable<number>): number {
  let total = 0;
  for (const amount of amounts) total += amount;
  if (!Number.isSafeInteger(total)) throw new RangeError(`a total of ${total} cents is not a safe integer`);
  return total;
}
