// Byte counts read by people: "16 MiB", not "16777216 bytes".

const UNITS = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 16777216 → "16 MiB", 1536 → "1.5 KiB", 512 → "512 bytes"; exact values get no decimals. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 1024) {
    return `${n} ${n === 1 ? 'byte' : 'bytes'}`;
  }
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = Number.isInteger(value) ? String(value) : value.toFixed(1).replace(/\.0$/, '');
  return `${text} ${UNITS[unit]}`;
}

/** Rewrites every "<digits> bytes" in a backend message in human units, keeping the rest verbatim. */
export function humanizeByteCounts(message: string): string {
  return message.replace(/\b(\d+) bytes\b/g, (whole, digits: string) => {
    const n = Number(digits);
    return Number.isSafeInteger(n) ? formatBytes(n) : whole;
  });
}
