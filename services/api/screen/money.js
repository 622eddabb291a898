// Exact formatting of the screen's integers: money arrives as integer fen and stays a
// BigInt here. No float ever holds a figure that is shown, so 万/亿, yuan and fen are right
// to the last fen whatever the size (a float is exact only up to 2^53 and rounds halves
// to even).

const UNITS = [[10000n, '万'], [100000000n, '亿']];

/** "1234567" -> "1,234,567". */
export function grouped(digits) {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** num / den rounded half away from zero (den > 0). */
function roundDiv(num, den) {
  const magnitude = (2n * (num < 0n ? -num : num) + den) / (2n * den);
  return num < 0n ? -magnitude : magnitude;
}

/** An integer count of 10^-decimals units as text: fixed(123456n, 2) = "1,234.56". */
export function fixed(scaled, decimals) {
  const digits = (scaled < 0n ? -scaled : scaled).toString().padStart(decimals + 1, '0');
  const whole = grouped(digits.slice(0, digits.length - decimals));
  const fraction = decimals ? '.' + digits.slice(digits.length - decimals) : '';
  return (scaled < 0n ? '-' : '') + whole + fraction;
}

/** The amount num/den (fen/100n: yuan) in Chinese units, { text, unit }: with
 *  `smallDecimals` decimals and unit '' below 1万, else in 万 or 亿 with two decimals.
 *  Rounded half away from zero (四舍五入); an amount that rounds up to the next unit is
 *  shown in it (99,999,999.99 yuan is 1.00亿, not 10,000.00万). */
export function chineseUnits(num, den, smallDecimals) {
  const magnitude = num < 0n ? -num : num;
  let size = 1n;
  let decimals = BigInt(smallDecimals);
  let unit = '';
  let rounded = roundDiv(magnitude * 10n ** decimals, den);
  for (const [next, name] of UNITS) {
    // Reached: 1 of the next unit, counted in the current one after rounding.
    if (rounded < (next / size) * 10n ** decimals) break;
    [size, decimals, unit] = [next, 2n, name];
    rounded = roundDiv(magnitude * 100n, den * size);
  }
  return { text: fixed(num < 0n && rounded ? -rounded : rounded, Number(decimals)), unit };
}

/** Fen as yuan in Chinese units: yuan(123456789012n) = { text: "12.35", unit: "亿" }. */
export const yuan = (fen) => chineseUnits(fen, 100n, 2);

/** A count in Chinese units: count(123456n) = { text: "12.35", unit: "万" }. */
export const count = (n) => chineseUnits(BigInt(n), 1n, 0);

/** Fen as exact yuan: "¥1,234,567.89". */
export const yuanExact = (fen) => (fen < 0n ? '-¥' + fixed(-fen, 2) : '¥' + fixed(fen, 2));

/** Fen as exact fen: "123,456,789 分". */
export const fenExact = (fen) => fixed(fen, 0) + ' 分';

/** Basis points as a percentage with two decimals: percent(12345) = "123.45%". */
export const percent = (bp) => fixed(BigInt(bp), 2) + '%';

/** Parses a figures message (the API's compact JSON); every `*_fen` integer becomes a
 *  BigInt from its digits, never through a float: the digits are quoted before parsing
 *  (a key inside a string value would be preceded by a backslash and is left alone). */
export function parseFigures(text) {
  const quoted = text.replace(/"([a-z_]*_fen)"\s*:\s*(-?\d+)/g, '"$1":"$2"');
  return JSON.parse(quoted, (key, value) =>
    key.endsWith('_fen') && typeof value === 'string' ? BigInt(value) : value);
}
