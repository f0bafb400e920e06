/**
 * Whether the CUDA path can run here, and why not: the addon (not built / failed to load), the
 * driver (none, or too old for the addon's runtime), the device (none, or older than the
 * architectures the addon carries). Pure functions of the probe, so every reason is testable
 * without a GPU.
 */

import { cudaAddon, type CudaBinding, type CudaDeviceInfo, type CudaProbe } from '../backend/cuda-binding';

/** The oldest compute capability the addon carries code for (sm_80 SASS; cmake/cuda.cmake). */
export const MIN_COMPUTE_CAPABILITY = 8.0;

export type CudaUnavailableKind = 'not-built' | 'load-failed' | 'no-driver' | 'driver-too-old' | 'no-device' | 'unsupported-device' | 'init-failed';

export interface CudaStatus {
  available: boolean;
  /** null when available. */
  reason: string | null;
  /** Machine-readable class of `reason`. */
  kind: CudaUnavailableKind | null;
  /** Where the addon was looked for. */
  addonPath: string;
  /** e.g. '13.0'; null when the addon did not load. */
  runtimeVersion: string | null;
  /** The CUDA version the driver supports ('12.8'), or null (no driver / no addon). */
  driverVersion: string | null;
  /** The device losses run on (device 0), when available. */
  device: CudaDeviceInfo | null;
  devices: CudaDeviceInfo[];
}

/** 13000 -> '13.0' (CUDA's version encoding: 1000 major + 10 minor). */
export function formatCudaVersion(version: number): string | null {
  if (!Number.isFinite(version) || version <= 0) return null;
  return `${Math.floor(version / 1000)}.${Math.floor((version % 1000) / 10)}`;
}

/** The reason, if any, that a probe rules the GPU out. */
export function reasonFromProbe(probe: CudaProbe): { kind: CudaUnavailableKind; reason: string } | null {
  const runtime = formatCudaVersion(probe.runtimeVersion) ?? 'unknown';
  const driver = formatCudaVersion(probe.driverVersion);
  switch (probe.error) {
    case null:
      break;
    case 'cudaErrorInsufficientDriver':
      if (driver === null) {
        return {
          kind: 'no-driver',
          reason: 'no driver: no NVIDIA driver is installed (the CUDA runtime could not load libcuda.so.1); install the NVIDIA driver to use the GPU',
        };
      }
      return {
        kind: 'driver-too-old',
        reason: `driver too old: the NVIDIA driver supports CUDA ${driver}, the CUDA addon was built with CUDA ${runtime}; update the driver or rebuild with an older toolkit`,
      };
    case 'cudaErrorNoDevice':
      return { kind: 'no-device', reason: 'no device: the NVIDIA driver is installed but reports no CUDA device' };
    case 'cudaErrorStubLibrary':
      return { kind: 'no-driver', reason: "no driver: only the CUDA toolkit's stub libcuda.so was found, not the NVIDIA driver's" };
    default:
      return {
        kind: 'init-failed',
        reason: `CUDA initialisation failed: ${probe.errorString ?? 'unknown error'} (${probe.error})`,
      };
  }
  const device = probe.devices[0];
  if (device === undefined) return { kind: 'no-device', reason: 'no device: the NVIDIA driver reports no CUDA device' };
  if (device.major + device.minor / 10 < MIN_COMPUTE_CAPABILITY) {
    return {
      kind: 'unsupported-device',
      reason: `unsupported device: ${device.name} has compute capability ${device.major}.${device.minor}; the CUDA addon carries code for 8.0 (Ampere) and newer`,
    };
  }
  return null;
}

let cachedStatus: CudaStatus | undefined;
let substitute: CudaBinding | null = null;

/**
 * Test hook: runs the CUDA front end (lib/cuda) against `binding` as if a GPU were present
 * (null restores the real addon). test/cuda.test.ts passes a host-memory stand-in built on the
 * CPU kernels, so the argument plumbing of the device path is checked on machines without a GPU.
 */
export function substituteCudaBindingForTests(binding: CudaBinding | null): void {
  substitute = binding;
  cachedStatus = undefined;
}

/** The status, computed once (loading the addon and probing the driver on first call). */
export function cudaStatus(): CudaStatus {
  if (cachedStatus) return cachedStatus;
  if (substitute) {
    const device: CudaDeviceInfo = { index: 0, name: 'test substitute', major: 9, minor: 0, totalMemory: 0, multiProcessors: 0, peakBandwidthGBs: 0 };
    cachedStatus = { available: true, reason: null, kind: null, addonPath: '(substitute)', runtimeVersion: null, driverVersion: null, device, devices: [device] };
    return cachedStatus;
  }
  const load = cudaAddon();
  if (!load.binding) {
    const notBuilt = load.error?.startsWith('not built') ?? false;
    cachedStatus = {
      available: false,
      reason: load.error,
      kind: notBuilt ? 'not-built' : 'load-failed',
      addonPath: load.path,
      runtimeVersion: null,
      driverVersion: null,
      device: null,
      devices: [],
    };
    return cachedStatus;
  }
  let probe: CudaProbe;
  try {
    probe = load.binding.probe();
  } catch (error) {
    probe = { runtimeVersion: 0, driverVersion: 0, error: 'probe', errorString: (error as Error).message, devices: [] };
  }
  const verdict = reasonFromProbe(probe);
  cachedStatus = {
    available: verdict === null,
    reason: verdict?.reason ?? null,
    kind: verdict?.kind ?? null,
    addonPath: load.path,
    runtimeVersion: formatCudaVersion(probe.runtimeVersion),
    driverVersion: formatCudaVersion(probe.driverVersion),
    device: verdict === null ? (probe.devices[0] ?? null) : null,
    devices: probe.devices,
  };
  return cachedStatus;
}

/** Test hook: forget the cached status (after resetCudaAddon()). */
export function resetCudaStatus(): void {
  cachedStatus = undefined;
}

/** The binding, when the GPU is usable; null otherwise. */
export function usableBinding(): CudaBinding | null {
  if (!cudaStatus().available) return null;
  return substitute ?? cudaAddon().binding;
}
