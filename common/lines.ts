/**
 * Line indexes of large texts without a string per line: what a keystroke in a 5,000-line file can afford to
 * rebuild every time (bench/keystroke.ts).
 */

/** Number of '\n'-separated lines (text.split('\n').length, without the array). */
export function countLines(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** Offset of the first character of each '\n'-separated line. */
export function lineStarts(text: string): Int32Array {
  const starts = new Int32Array(countLines(text));
  let k = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts[k++] = i + 1;
  return starts;
}
