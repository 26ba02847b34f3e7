/**
 * Cyrillic and Greek letters that render like Latin ones. Folded only inside a word that also holds
 * Latin letters (a mixed-script word is how "іgnоre" slips past a Latin pattern); whole Russian or
 * Greek words are left alone, so real text in those languages keeps its meaning.
 */
// prettier-ignore
const PAIRS: ReadonlyArray<readonly [string, string]> = [
  ['а', 'a'], ['в', 'b'], ['е', 'e'], ['ё', 'e'], ['һ', 'h'], ['і', 'i'], ['ї', 'i'], ['ј', 'j'], ['к', 'k'],
  ['м', 'm'], ['н', 'h'], ['о', 'o'], ['р', 'p'], ['с', 'c'], ['ѕ', 's'], ['т', 't'], ['у', 'y'], ['х', 'x'],
  ['ԁ', 'd'], ['ԛ', 'q'], ['ԝ', 'w'], ['ɡ', 'g'], ['ո', 'n'], ['ս', 'u'], ['ⅼ', 'l'], ['ӏ', 'l'], ['А', 'A'],
  ['В', 'B'], ['Е', 'E'], ['Ѕ', 'S'], ['І', 'I'], ['Ј', 'J'], ['К', 'K'], ['М', 'M'], ['Н', 'H'], ['О', 'O'],
  ['Р', 'P'], ['С', 'C'], ['Т', 'T'], ['У', 'Y'], ['Х', 'X'], ['Ԁ', 'D'], ['Ԍ', 'G'], ['Ӏ', 'I'], ['α', 'a'],
  ['ο', 'o'], ['ρ', 'p'], ['ν', 'v'], ['ι', 'i'], ['κ', 'k'], ['τ', 't'], ['υ', 'u'], ['χ', 'x'], ['ε', 'e'],
  ['Α', 'A'], ['Β', 'B'], ['Ε', 'E'], ['Ζ', 'Z'], ['Η', 'H'], ['Ι', 'I'], ['Κ', 'K'], ['Μ', 'M'], ['Ν', 'N'],
  ['Ο', 'O'], ['Ρ', 'P'], ['Τ', 'T'], ['Υ', 'Y'], ['Χ', 'X'],
];

export const HOMOGLYPHS: ReadonlyMap<string, string> = new Map(PAIRS);
