/**
 * Backend selection: the native addon (AVX2 or portable kernels) when it loads, the JS fallback
 * otherwise, or whichever LOSSKIT_BACKEND / setBackend() forces. The choice is made lazily on
 * first use, so importing losskit costs nothing until a loss runs.
 */

import { LosskitError } from '../errors';
import type { Isa, NativeBinding, NativeCapabilities } from './binding';
import { jsBackend } from './js';
import { loadNative, type NativeLoad } from './native';
import type { BackendName, KernelBackend } from './types';

export type { BackendName, KernelBackend } from './types';

/** What setBackend and LOSSKIT_BACKEND accept. 'native-scalar' forces the portable kernels;
 * 'native-avx512' / 'native-avx2' those ISAs ('native' and 'auto' take avx512 where the CPU also
 * reports AVX512_VBMI2, else avx2: capabilities().native.avx512Default). */
export type BackendRequest = 'auto' | 'native' | 'js' | 'native-avx512' | 'native-avx2' | 'native-scalar';

const REQUESTS: readonly BackendRequest[] = ['auto', 'native', 'js', 'native-avx512', 'native-avx2', 'native-scalar'];

/** What capabilities() reports: the backend in use, and why the native addon is not, if so. */
export interface Capabilities {
  /** The backend losses run on now. */
  backend: BackendName;
  /** Whether the native addon loaded. */
  nativeLoaded: boolean;
  /** The addon's own report, when it loaded. */
  native: NativeCapabilities | null;
  /** Why the native addon is not in use, with fixes (empty when it is). */
  nativeErrors: string[];
}

interface Active {
  name: BackendName;
  kernels: KernelBackend;
  /** 'auto' on the native addon: inputs below SMALL_INPUT_ELEMENTS run the JS kernels. */
  smallInputsToJs: boolean;
}

/**
 * With the default backend ('auto'), calls of arithmetic-only elementwise losses on fewer
 * elements than this run the JS kernels: a Node-API call costs ~370 ns before any work, a JS
 * kernel call ~30 ns. Measured crossover (lean path, CPU time, float32, 2026-11-29, Zen 4; see
 * docs/ARCHITECTURE.md "Per-call overhead"): mae ~256, mse ~256, huber ~192, quantile ~192,
 * hinge ~128 elements; 160 sits between, each loss within 1.3x of the faster backend there.
 */
export const SMALL_INPUT_ELEMENTS = 160;

let nativeLoad: NativeLoad | undefined;
let active: Active | undefined;
let warned = false;

function native(): NativeLoad {
  nativeLoad ??= loadNative();
  return nativeLoad;
}

/** The ISA is process-wide state of the addon, so every selection sets it explicitly:
 * LOSSKIT_ISA (already validated by loadNative) or the best the CPU runs. */
function nativeActive(binding: NativeBinding, isa: Isa | 'auto' = (process.env.LOSSKIT_ISA as Isa) || 'auto'): Active {
  return { name: `native-${binding.setIsa(isa)}`, kernels: binding, smallInputsToJs: false };
}

function unavailable(request: BackendRequest, errors: string[]): LosskitError {
  return new LosskitError(
    'LOSSKIT_BACKEND_UNAVAILABLE',
    `The '${request}' backend was requested but the native addon is not available:\n` +
      errors.map((e) => `  - ${e}`).join('\n'),
    { argument: 'backend', expected: request, actual: 'js' },
  );
}

function resolve(request: BackendRequest): Active {
  if (request === 'js') return { name: 'js', kernels: jsBackend, smallInputsToJs: false };
  const { binding, errors } = native();
  if (binding) {
    if (request === 'native-scalar') return nativeActive(binding, 'scalar');
    if (request === 'native-avx2' || request === 'native-avx512') {
      try {
        return nativeActive(binding, request === 'native-avx2' ? 'avx2' : 'avx512');
      } catch (error) {
        throw unavailable(request, [(error as Error).message]);
      }
    }
    // An explicit 'native' runs every size natively (the parity tests rely on it).
    return { ...nativeActive(binding), smallInputsToJs: request === 'auto' };
  }
  if (request !== 'auto') throw unavailable(request, errors);
  if (!warned) {
    warned = true;
    process.emitWarning(
      `losskit is using its pure-JS fallback (same results, slower) because:\n` +
        errors.map((e) => `  - ${e}`).join('\n') +
        `\nSet LOSSKIT_BACKEND=js to choose the fallback explicitly and silence this warning.`,
      { code: 'LOSSKIT_FALLBACK' },
    );
  }
  return { name: 'js', kernels: jsBackend, smallInputsToJs: false };
}

function checkRequest(request: unknown, source: string): BackendRequest {
  if (typeof request === 'string' && (REQUESTS as readonly string[]).includes(request)) {
    return request as BackendRequest;
  }
  throw new LosskitError(
    'LOSSKIT_INVALID_CONFIG',
    `${source} must be one of ${REQUESTS.map((r) => `'${r}'`).join(', ')} (got ${JSON.stringify(request)})`,
    { argument: 'backend', expected: REQUESTS, actual: request },
  );
}

/** The kernels to run on now (resolving LOSSKIT_BACKEND on first use). */
export function activeBackend(): Active {
  if (!active) {
    const fromEnv = process.env.LOSSKIT_BACKEND;
    const request = fromEnv ? checkRequest(fromEnv, 'LOSSKIT_BACKEND') : 'auto';
    active = resolve(request);
  }
  return active;
}

/** The kernels an elementwise call on `elements` elements runs on: with the default backend,
 * the JS ones for an arithmetic-only loss below SMALL_INPUT_ELEMENTS; the active backend's
 * otherwise. */
export function elementwiseKernelsFor(elements: number, arithmeticOnly: boolean): KernelBackend {
  const current = active ?? activeBackend();
  return current.smallInputsToJs && arithmeticOnly && elements < SMALL_INPUT_ELEMENTS ? jsBackend : current.kernels;
}

/**
 * Forces a backend: 'js', 'native' (best ISA), 'native-avx512', 'native-avx2', 'native-scalar', or 'auto' (native
 * when it loads, else JS with a warning). Throws if a native backend is asked for and cannot run.
 * Returns the backend now in use.
 */
export function setBackend(request: BackendRequest): BackendName {
  active = resolve(checkRequest(request, "setBackend's argument"));
  return active.name;
}

/** The backend losses run on: 'native-avx512', 'native-avx2', 'native-scalar' or 'js'. */
export function backend(): BackendName {
  return activeBackend().name;
}

/** The backend in use, the addon's report (ISA, CPU features, Node-API version, compiler,
 * threads) and the reasons the native addon is not in use, each with its fix. */
export function capabilities(): Capabilities {
  const current = activeBackend();
  const { binding, errors } = native();
  return {
    backend: current.name,
    nativeLoaded: binding !== null,
    native: binding ? binding.capabilities() : null,
    nativeErrors: errors,
  };
}

/** The native binding itself, for tests and tools that need the raw surface (or null). */
export function nativeBinding(): NativeBinding | null {
  return native().binding;
}
