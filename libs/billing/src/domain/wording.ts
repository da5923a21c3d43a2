import type { Period } from './periods';

/**
 * What a customer reads on an invoice: English, UTC, and the same on every machine (hand-rolled rather
 * than `Intl`, whose output differs between ICU versions and would change a stored description).
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

const twoDigits = (value: number): string => String(value).padStart(2, '0');

/** "16 Mar 2025" */
export function formatDate(at: Date): string {
  return `${at.getUTCDate()} ${MONTHS[at.getUTCMonth()]} ${at.getUTCFullYear()}`;
}

/** "16 Mar 2025 10:00 UTC" */
export function formatDateTime(at: Date): string {
  return `${formatDate(at)} ${twoDigits(at.getUTCHours())}:${twoDigits(at.getUTCMinutes())} UTC`;
}

/** "16 Mar 2025 – 16 Apr 2025": a half-open period reads as "until the next one starts", as on most bills. */
export function formatPeriod(period: Period): string {
  return `${formatDate(period.start)} – ${formatDate(period.end)}`;
}

/** "1,234" */
export function formatCount(value: number): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
