// Seeded randomness for the demo: mulberry32 (uniform in [0, 1)) and Box-Muller normals, so a
// seed reproduces every data set, initialisation and shuffle bit for bit.

/** A uniform generator in [0, 1) from a 32-bit seed (mulberry32). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A generator with uniform(lo, hi), normal(mean, sd), int(n) and shuffle(array). */
export function createRandom(seed) {
  const next = mulberry32(seed);
  let spare = null;
  return {
    next,
    uniform: (lo = 0, hi = 1) => lo + (hi - lo) * next(),
    /** Box-Muller: two normals per pair of uniforms; the second is kept for the next call. */
    normal(mean = 0, sd = 1) {
      if (spare !== null) {
        const z = spare;
        spare = null;
        return mean + sd * z;
      }
      let u = 0;
      while (u === 0) u = next(); // log(0) is -Infinity
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return mean + sd * r * Math.cos(2 * Math.PI * v);
    },
    int: (n) => Math.floor(next() * n),
    /** Fisher-Yates, in place; returns the array. */
    shuffle(array) {
      for (let i = array.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        const t = array[i];
        array[i] = array[j];
        array[j] = t;
      }
      return array;
    },
  };
}

/** An independent seed for a named stream (data, shuffles, ...) derived from the run's seed. */
export function subSeed(seed, name) {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const ch of name) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return mulberry32(h)() * 4294967296 >>> 0;
}
