// The backends the parity suites run on: always 'js'; 'native-scalar' when the addon loads;
// 'native-avx2' when the CPU also runs AVX2+FMA; 'native-avx512' when it runs AVX-512 F/DQ/BW/VL
// and the addon has those kernels. Skipped ones are listed so a run says what it did not cover.
import { beforeAll } from 'vitest';
import { capabilities, setBackend, type BackendName } from '../../lib/index';

const caps = capabilities();

export const NATIVE_LOADED = caps.nativeLoaded;
export const AVX2 = caps.native?.avx2 === true;
export const AVX512 = caps.native?.avx512 === true;

const JS_ONLY = process.env.LOSSKIT_BACKEND === 'js';

export const BACKENDS: BackendName[] = JS_ONLY ? ['js'] : [
  'js',
  ...(NATIVE_LOADED ? (['native-scalar'] as const) : []),
  ...(AVX2 ? (['native-avx2'] as const) : []),
  ...(AVX512 ? (['native-avx512'] as const) : []),
];

/** Selects `name` for the tests of the enclosing describe block. */
export function useBackend(name: BackendName): void {
  beforeAll(() => {
    setBackend(name);
  });
}

/** Why the native addon is not loaded (for skip messages and the load test). */
export const NATIVE_ERRORS = caps.nativeErrors;
