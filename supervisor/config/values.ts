// Typed readers for INI values; each returns the value or throws a ConfigError naming the key.
import os from 'node:os';
import { configError } from '../errors.js';

export interface Where {
  file: string;
  section: string;
  key: string;
  line?: number;
}

export function toBool(raw: string, w: Where): boolean {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on', 'y', 't'].includes(v)) return true;
  if (['0', 'false', 'no', 'off', 'n', 'f', ''].includes(v)) return false;
  throw configError('EBADVALUE', w, `expected true or false, got "${raw}"`);
}

export function toInt(raw: string, w: Where, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const v = raw.trim();
  if (!/^-?\d+$/.test(v)) throw configError('EBADVALUE', w, `expected a whole number, got "${raw}"`);
  const n = Number(v);
  if (n < min || n > max) throw configError('EBADVALUE', w, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** Seconds, fractions allowed (Circus accepts floats for delays and timeouts). */
export function toSeconds(raw: string, w: Where): number {
  const v = raw.trim();
  if (!/^\d+(\.\d+)?$|^\.\d+$/.test(v)) throw configError('EBADVALUE', w, `expected a number of seconds, got "${raw}"`);
  return Number(v);
}

export function toOctal(raw: string, w: Where): number {
  const v = raw.trim().replace(/^0o/i, '');
  if (!/^[0-7]{1,4}$/.test(v)) throw configError('EBADVALUE', w, `expected an octal mask such as 022, got "${raw}"`);
  return parseInt(v, 8);
}

/** SIGTERM, TERM, term or 15 → "SIGTERM". */
export function toSignal(raw: string, w: Where): NodeJS.Signals {
  const v = raw.trim().toUpperCase();
  const signals = os.constants.signals as Record<string, number>;
  if (/^\d+$/.test(v)) {
    const name = Object.keys(signals).find((k) => signals[k] === Number(v));
    if (name) return name as NodeJS.Signals;
  } else {
    const name = v.startsWith('SIG') ? v : `SIG${v}`;
    if (name in signals) return name as NodeJS.Signals;
  }
  throw configError('EBADVALUE', w, `unknown signal "${raw}"`);
}

/** Same as toSignal but for control commands (no file to name). */
export function signalName(raw: string | number): NodeJS.Signals | undefined {
  try {
    return toSignal(String(raw), { file: '', section: '', key: '' });
  } catch {
    return undefined;
  }
}
