/** Statistics and number formats shared by the measurement and the report. */

export function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function summarize(values) {
  const s = [...values].sort((a, b) => a - b);
  return { median: quantile(s, 0.5), p25: quantile(s, 0.25), p75: quantile(s, 0.75), min: s[0], max: s[s.length - 1] };
}

/** Half the interquartile range as a percentage of the median: how much the machine moved. */
export const spreadPercent = (s) => ((s.p75 - s.p25) / 2 / s.median) * 100;

export function fmtNs(v) {
  if (!Number.isFinite(v)) return String(v);
  if (v < 1) return v.toFixed(3);
  if (v < 10) return v.toFixed(2);
  if (v < 100) return v.toFixed(1);
  return v.toFixed(0);
}

export function fmtRatio(v) {
  if (!Number.isFinite(v)) return String(v);
  if (v >= 99.95) return `${v.toFixed(0)}x`;
  if (v >= 9.995) return `${v.toFixed(1)}x`;
  return `${v.toFixed(2)}x`;
}

export const fmtPercent = (v) => `${(100 * v).toFixed(v >= 0.995 ? 0 : v >= 0.0995 ? 0 : 1)}%`;

/** 16777216 -> '16M', 4096 -> '4k', 1000 -> '1000'. */
export function fmtCount(n) {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)}M`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024}k`;
  return String(n);
}
