/** Parsers for numeric flags: a bad number is a one-line UserError naming the flag. */
import { BadOptionError } from "../errors";

export function parseInteger(flag: string, min = -Infinity, max = Infinity) {
  return (value: string): number => {
    if (!/^-?\d+$/.test(value.trim())) throw new BadOptionError(flag, `expected an integer, got "${value}"`);
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new BadOptionError(flag, `must be an integer in [${min}, ${max}], got ${value}`);
    }
    return n;
  };
}

export function parseNumber(flag: string, min = -Infinity, max = Infinity) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
      throw new BadOptionError(flag, `must be a number in [${min}, ${max}], got "${value}"`);
    }
    return n;
  };
}
