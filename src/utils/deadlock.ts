// The JVM's deadlock report names each thread of the cycle on a line of its own, `"name":`,
// first in the cycle description and again above each stack. Names may contain quotes,
// parentheses and any script, so a line is matched from its first to its last quote.
const NAMED_LINE = /^"(.*)":[ \t]*$/gm;

/** The names of the threads in the JVM's deadlock reports, each once, in the order they appear. */
export function deadlockThreadNames(reports: string[]): string[] {
  const names: string[] = [];
  for (const report of reports) {
    for (const m of report.replace(/\r\n/g, '\n').matchAll(NAMED_LINE)) {
      if (m[1] !== '' && !names.includes(m[1])) {
        names.push(m[1]);
      }
    }
  }
  return names;
}
