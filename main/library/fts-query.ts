// Turns what a person types into a safe FTS5 query: every word must match (as a prefix), and
// FTS5 operators or quotes in the input are treated as text, never as syntax.
export function ftsQuery(input: string): string | null {
  const words = input
    .normalize('NFKC')
    .split(/[\s"'`^*:()+\-{}[\],.;!?/\\<>=|&~]+/u)
    .filter((w) => w.length > 0)
    .slice(0, 16);
  if (words.length === 0) return null;
  return words.map((w) => `"${w}"*`).join(' ');
}
