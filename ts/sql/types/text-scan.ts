// Character-level helpers shared by the text input functions.

/** C isspace() in the "C" locale, which PostgreSQL's input functions use to trim. */
export function isSpaceCode(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13);
}

/** Trims C whitespace from both ends (String.prototype.trim also strips Unicode spaces). */
export function trimSpaces(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isSpaceCode(text.charCodeAt(start))) start++;
  while (end > start && isSpaceCode(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

export function isDigitCode(code: number): boolean {
  return code >= 48 && code <= 57;
}
