// Counting "I am serving" lines in a contender's output.
export function countMatches(text: string, re: RegExp): number {
  const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g');
  return text.match(g)?.length ?? 0;
}

export const BENCH_SERVER_READY = /bench-server\[\d+\] ready/;
