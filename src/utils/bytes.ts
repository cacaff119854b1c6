// Byte sizes as people write them: "16 MiB", "512 KiB", "1 GiB", or plain bytes. The same
// grammar as the backend's settingspec.ParseBytes/FormatBytes (pkg/settingspec/bytes.go).
// Decimal units (KB, MB) are refused rather than guessed.

const UNITS: Array<[string, number]> = [
  ['EiB', 2 ** 60],
  ['PiB', 2 ** 50],
  ['TiB', 2 ** 40],
  ['GiB', 2 ** 30],
  ['MiB', 2 ** 20],
  ['KiB', 2 ** 10],
];

const SIZE = /^(\d+(?:\.\d+)?|\.\d+)\s*([a-zA-Z]*)$/;

/** The largest binary unit that holds n exactly ("16 MiB"), else plain bytes ("1500 B"). */
export function formatBytes(n: number): string {
  for (const [name, size] of UNITS) {
    if (n !== 0 && n % size === 0) {
      return `${n / size} ${name}`;
    }
  }
  return `${n} B`;
}

/** Reads a size into bytes; undefined when it is not one or not a whole number of bytes. */
export function parseBytes(text: string): number | undefined {
  const m = SIZE.exec(text.trim());
  if (!m) {
    return undefined;
  }
  const unit = m[2].toLowerCase();
  let mult = 1;
  if (!['', 'b', 'byte', 'bytes'].includes(unit)) {
    const found = UNITS.find(([name]) => name.toLowerCase() === unit);
    if (!found) {
      return undefined;
    }
    mult = found[1];
  }
  const value = Number(m[1]) * mult;
  return Number.isSafeInteger(value) ? value : undefined;
}
