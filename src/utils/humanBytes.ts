import { formatBytes } from './bytes';

/**
 * Rewrites every "<digits> bytes" in a backend message in the units the config page uses
 * ("output cut at 16 MiB", not "16777216 bytes"), keeping the rest verbatim.
 */
export function humanizeByteCounts(message: string): string {
  return message.replace(/\b(\d+) bytes\b/g, (whole, digits: string) => {
    const n = Number(digits);
    return Number.isSafeInteger(n) ? formatBytes(n) : whole;
  });
}
