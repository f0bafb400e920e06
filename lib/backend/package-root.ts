import fs from 'node:fs';
import path from 'node:path';

/** The package root: the nearest folder above this file whose package.json is losskit's (the
 * addons are found from there, in a source checkout and in an installed package alike). */
export function packageRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    try {
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
      if (manifest.name === 'losskit') return dir;
    } catch {
      // no package.json here; keep walking up
    }
    if (path.dirname(dir) === dir) return path.resolve(__dirname, '..', '..');
  }
}
