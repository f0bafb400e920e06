// The demo (demo/run.mjs) as a user runs it, on the built package: `--quick` finishes, prints
// a table per task, and its results say what the demo claims: the robust losses fit the line
// the outliers pull MSE away from, posWeight and focal loss find more of the minority class
// than plain BCE, one-hot CCE and sparse CE give the same curve; the SVGs are written; a seed
// gives the same output twice.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..');
const dirs: string[] = [];

function runDemo(args: string[]) {
  const result = spawnSync(process.execPath, ['demo/run.mjs', ...args], { cwd: root, encoding: 'utf8', timeout: 55_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, error: result.error };
}

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'losskit-demo-'));
  dirs.push(dir);
  return dir;
}

interface Run {
  label: string;
  [key: string]: unknown;
}

describe('demo/run.mjs --quick', { timeout: 60_000 }, () => {
  let out: string;
  let run: ReturnType<typeof runDemo>;
  let results: {
    seed: number;
    quick: boolean;
    regression: { runs: (Run & { w: number; b: number; distance: number })[] };
    imbalanced: { runs: (Run & { precision: number; recall: number; auc: number })[] };
    multiclass: {
      runs: (Run & { accuracy: number; history: { steps: number[]; epochs: { validation: number }[] } })[];
      agreement: { steps: number; maxStepLossDiff: number; maxValidationDiff: number; maxParamDiff: number };
    };
  };
  const byLabel = <T extends Run>(runs: T[], label: string): T => {
    const found = runs.find((r) => r.label === label) ?? runs.find((r) => r.label.startsWith(label));
    expect(found, `a run labelled ${label}`).toBeDefined();
    return found!;
  };

  beforeAll(() => {
    expect(existsSync(path.join(root, 'dist/cjs/index.js')), 'dist/ missing: run `npm run build:ts`').toBe(true);
    expect(existsSync(path.join(root, 'dist/cjs/training/index.js')), 'dist/cjs/training missing: run `npm run build:ts`').toBe(true);
    out = tempDir();
    run = runDemo(['--quick', `--out=${out}`]);
    if (run.status === 0) results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
  }, 60_000);

  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('exits 0 and prints one table per task', () => {
    expect(run.error).toBeUndefined();
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^losskit demo · seed 1 · backend (native-avx512|native-avx2|native-scalar|js) · quick run/);
    expect(run.stdout).toMatch(/1\. Robust linear regression[\s\S]*loss\s+w\s+b\s+distance to \(2, −1\)/);
    expect(run.stdout).toMatch(/2\. Imbalanced binary classification[\s\S]*loss\s+precision\s+recall\s+F1/);
    expect(run.stdout).toMatch(/3\. Softmax regression[\s\S]*loss\s+accuracy\s+train loss\s+val loss/);
    for (const label of ['mse', 'mae', 'huber', 'log_cosh', 'bce', 'bce posWeight=', 'focal γ=2', 'cce (one-hot)', 'sparse cce (labels)', 'cce smoothing 0.1']) {
      expect(run.stdout).toMatch(new RegExp(`^  ${label.replace(/[()]/g, '\\$&')}`, 'm'));
    }
    expect(run.stdout).toContain(`written to ${out}`);
    expect(run.stderr).toMatch(/demo: finished in \d+\.\d+ s/);
    expect(run.stderr).not.toMatch(/\r|\x1b\[/); // stderr is a pipe here: no progress bar
  });

  it('prints the numbers it saves', () => {
    const mse = byLabel(results.regression.runs, 'mse');
    const row = new RegExp(`^  mse\\s+${mse.w.toFixed(4)}\\s+${mse.b.toFixed(4)}\\s+${mse.distance.toFixed(4)}\\s`, 'm');
    expect(run.stdout).toMatch(row);
    const focal = byLabel(results.imbalanced.runs, 'focal');
    expect(run.stdout).toMatch(new RegExp(`^  focal γ=2\\s+${focal.precision.toFixed(3)}\\s+${focal.recall.toFixed(3)}\\s`, 'm'));
  });

  it('fits the line better with Huber and MAE than with MSE, which the outliers pull away', () => {
    const mse = byLabel(results.regression.runs, 'mse');
    const mae = byLabel(results.regression.runs, 'mae');
    const huber = byLabel(results.regression.runs, 'huber');
    const logCosh = byLabel(results.regression.runs, 'log_cosh');
    expect(huber.distance).toBeLessThan(mse.distance);
    expect(mae.distance).toBeLessThan(mse.distance);
    expect(logCosh.distance).toBeLessThan(mse.distance);
    expect(mse.distance).toBeGreaterThan(0.5); // 10% of points 10-20 too high shift the intercept ≈ 1.5
    expect(mse.b).toBeGreaterThan(-1);
    for (const robust of [mae, huber, logCosh]) {
      expect(robust.distance).toBeLessThan(0.3);
      expect(robust.w).toBeCloseTo(2, 0);
    }
  });

  it('finds more of the minority class with posWeight and focal loss than with plain BCE', () => {
    const bce = byLabel(results.imbalanced.runs, 'bce');
    const weighted = byLabel(results.imbalanced.runs, 'bce posWeight=');
    const focal = byLabel(results.imbalanced.runs, 'focal');
    expect(Math.max(weighted.recall, focal.recall)).toBeGreaterThan(bce.recall);
    expect(weighted.recall).toBeGreaterThan(bce.recall);
    expect(weighted.precision).toBeLessThan(bce.precision); // the price of the recall
    for (const r of [bce, weighted, focal]) {
      expect(r.precision).toBeGreaterThan(0);
      expect(r.recall).toBeGreaterThan(0);
      expect(r.auc).toBeGreaterThan(0.9);
    }
  });

  it('gives the same curve for one-hot CCE and sparse CE, and trains all three to a good accuracy', () => {
    const { agreement, runs } = results.multiclass;
    expect(agreement.steps).toBeGreaterThan(10);
    expect(agreement.maxStepLossDiff).toBeLessThanOrEqual(1e-6);
    expect(agreement.maxValidationDiff).toBeLessThanOrEqual(1e-6);
    expect(agreement.maxParamDiff).toBeLessThanOrEqual(1e-6);
    const cce = byLabel(runs, 'cce (one-hot)');
    const sparse = byLabel(runs, 'sparse cce (labels)');
    expect(cce.history.steps).toHaveLength(sparse.history.steps.length);
    cce.history.steps.forEach((v, i) => expect(Math.abs(v - sparse.history.steps[i]!)).toBeLessThanOrEqual(1e-6));
    expect(run.stdout).toContain('the same curve (≤ 1e-6)');
    for (const r of runs) expect(r.accuracy).toBeGreaterThan(0.8);
    expect(Math.abs(byLabel(runs, 'cce smoothing 0.1').accuracy - cce.accuracy)).toBeLessThan(0.03);
  });

  it('writes a loss-curve SVG per run (train and validation) and results.json', () => {
    const svgs = readdirSync(out).filter((f) => f.endsWith('.svg'));
    expect(svgs).toHaveLength(10);
    for (const prefix of ['regression-', 'imbalanced-', 'multiclass-']) expect(svgs.some((f) => f.startsWith(prefix))).toBe(true);
    for (const file of svgs) {
      const svg = readFileSync(path.join(out, file), 'utf8');
      expect(svg.startsWith('<svg'), file).toBe(true);
      expect(svg.trimEnd().endsWith('</svg>'), file).toBe(true);
      expect(svg.match(/<polyline class="series (train|validation)"/g), file).toHaveLength(2);
      expect(svg, file).not.toMatch(/NaN|Infinity/);
      expect(run.stdout).toContain(file);
    }
    expect(results.seed).toBe(1);
    expect(results.quick).toBe(true);
  });

  it('is deterministic for a seed, and another seed gives other data', () => {
    const again = tempDir();
    const second = runDemo(['--quick', `--out=${again}`]);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout.replaceAll(again, '<out>')).toBe(run.stdout.replaceAll(out, '<out>'));
    const other = runDemo(['--quick', '--seed=7', `--out=${tempDir()}`]);
    expect(other.status, other.stderr).toBe(0);
    expect(other.stdout).toMatch(/seed 7/);
    expect(other.stdout.replace(/seed \d+/g, '')).not.toBe(run.stdout.replace(/seed \d+/g, ''));
  });

  it('refuses unknown arguments with usage and exit code 2', () => {
    const bad = runDemo(['--seeds=3']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown or malformed argument '--seeds=3'[\s\S]*usage: node demo\/run\.mjs/);
    expect(runDemo(['--seed=-1']).status).toBe(2);
  });
});
