/**
 * The optional CUDA addon (native/cuda/, built by cmake/cuda.cmake as
 * build/Release/losskit_cuda.node): its raw surface and its lazy loader. Nothing here runs at
 * import: the addon is looked for on the first `cuda.*` call that needs it, so a process that
 * never asks for the GPU never opens the file, and a machine without a GPU, a driver or the
 * addon itself loads losskit exactly as before.
 */

import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from './package-root';

/** dtype codes of the addon's device buffers. */
export const CUDA_DTYPE = { float32: 0, float64: 1, int32: 2 } as const;
export type CudaDtypeName = keyof typeof CUDA_DTYPE;

/** An opaque handle to device memory (a type-tagged Napi::External). */
export interface DeviceHandle {
  readonly __deviceHandle: unique symbol;
}

export interface CudaDeviceInfo {
  index: number;
  name: string;
  major: number;
  minor: number;
  totalMemory: number;
  multiProcessors: number;
  /** 2 x memory clock x bus width: the theoretical peak (GB/s). */
  peakBandwidthGBs: number;
}

export interface CudaProbe {
  runtimeVersion: number;
  /** 0 when no driver could be loaded. */
  driverVersion: number;
  /** cudaGetDeviceCount's error name (e.g. 'cudaErrorNoDevice'), or null. */
  error: string | null;
  errorString: string | null;
  devices: CudaDeviceInfo[];
}

type Handle = DeviceHandle;
type Doubles = Float64Array | null;

/** The addon's functions (native/cuda/addon.cpp); arguments are checked there again. */
export interface CudaBinding {
  probe(): CudaProbe;
  alloc(dtype: number, length: number): Handle;
  free(handle: Handle): void;
  upload(handle: Handle, data: Float32Array | Float64Array | Int32Array): void;
  download(handle: Handle, out: Float32Array | Float64Array | Int32Array): void;
  copyDevice(dst: Handle, src: Handle): void;
  memoryInUse(): number;
  elementwise(
    kernel: number,
    yTrue: Handle,
    yPred: Handle,
    aux: Handle | null,
    params: Float64Array,
    rowLength: number,
    sampleWeight: Doubles,
    perSample: Doubles,
    grad: Handle | null,
    gradScale: number,
  ): number;
  categorical(
    fromLogits: boolean,
    labelSmoothing: number,
    yTrue: Handle,
    yPred: Handle,
    classCount: number,
    classWeight: Doubles,
    sampleWeight: Doubles,
    perSample: Doubles,
    grad: Handle | null,
    gradScale: number,
  ): number;
  sparse(
    fromLogits: boolean,
    labels: Handle,
    yPred: Handle,
    classCount: number,
    ignoreClass: number | null,
    sampleWeight: Doubles,
    perSample: Doubles,
    grad: Handle | null,
    gradScale: number,
  ): number;
  allZeroOrOne(values: Handle): boolean;
  orderedSum(values: Handle): number;
  hostOrderedSum(values: Float64Array): number;
  /** Test hook, no GPU needed: the elementwise functor evaluated on the host through the device
   * helpers (native/cuda/device_scalar.cuh): values[i] = f, grad[i] = f'. */
  hostElementwise(
    kernel: number,
    yTrue: Float32Array | Float64Array,
    yPred: Float32Array | Float64Array,
    aux: Float32Array | Float64Array | null,
    params: Float64Array,
    values: Float64Array,
    grad: Float32Array | Float64Array,
  ): void;
  reductionBlocks(n: number): number;
  timedCopy(src: Handle, dst: Handle, repeats: number): number;
  fillUniform(values: Handle, lo: number, hi: number, seed: number): void;
  synchronize(): void;
  readonly architectures: string;
}

export interface CudaLoad {
  binding: CudaBinding | null;
  /** Where the addon was looked for (or loaded from). */
  path: string;
  /** Why it is not loaded (null when it is). */
  error: string | null;
}

/** Where the CUDA addon is looked for: LOSSKIT_CUDA_ADDON (a path to a .node file, also the
 * way to test a missing addon), else build/Release/losskit_cuda.node. */
export function cudaAddonPath(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.LOSSKIT_CUDA_ADDON;
  if (override !== undefined && override !== '') return path.resolve(override);
  return path.join(packageRoot(), 'build', 'Release', 'losskit_cuda.node');
}

/** Loads the addon from `file`; never throws. */
export function loadCudaAddon(file: string = cudaAddonPath()): CudaLoad {
  if (!fs.existsSync(file)) {
    return {
      binding: null,
      path: file,
      error:
        `not built: ${file} does not exist (the CUDA addon is built from source only, when a CUDA ` +
        'toolkit is found: `npm run build:native` with nvcc installed; see docs/CUDA.md)',
    };
  }
  if (process.execArgv.includes('--no-addons')) {
    return { binding: null, path: file, error: 'Node.js runs with --no-addons, so the CUDA addon cannot load' };
  }
  try {
    // A plain require of an absolute path: the bundler-free way Node loads a .node file.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const binding = require(file) as CudaBinding;
    return { binding, path: file, error: null };
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).trim().split('\n')[0] ?? '';
    return { binding: null, path: file, error: `the CUDA addon failed to load (${message}); rebuild it with \`npm run build:native\`` };
  }
}

let cached: CudaLoad | undefined;

/** The CUDA addon, loaded on first use and kept (the result of a failed load too). */
export function cudaAddon(): CudaLoad {
  cached ??= loadCudaAddon();
  return cached;
}

/** Test hook: forget the cached load, so the next cudaAddon() looks again (after changing
 * LOSSKIT_CUDA_ADDON). */
export function resetCudaAddon(): void {
  cached = undefined;
}
