/**
 * The flags every driver is built with. Each one is here for a reason a driver author can read.
 * Paths are those of the virtual file system the compiler sees: project sources under `src/`, the
 * lab headers under `include/`, headers generated per build under `gen/`.
 */
export const SOURCE_ROOT = 'src';
export const INCLUDE_ROOT = 'include';
export const GENERATED_INCLUDE_ROOT = 'gen';

/** Undefined behaviour the simulator turns into a bug check with the source line (no recovery). */
export const SANITIZERS = ['null', 'alignment', 'bounds', 'signed-integer-overflow', 'shift'] as const;

const TARGET_FLAGS = [
  '--target=wasm32',
  // No C library and no host headers: the driver sees only the lab's kernel and NDIS headers, as under the WDK.
  '-ffreestanding',
  '-nostdlib',
  '-nostdinc',
  // WDK code uses __int64, __forceinline, __declspec and MSVC pragmas.
  '-fms-extensions',
  // WDK code relies on 16-bit WCHAR for L"…" strings and NDIS_STRING_CONST lengths.
  '-fshort-wchar',
  `-I${GENERATED_INCLUDE_ROOT}`,
  `-I${INCLUDE_ROOT}`,
];

export const COMPILE_FLAGS: readonly string[] = [
  ...TARGET_FLAGS,
  // Line tables (with inlined frames) tie every NDIS call and crash to a source line; variable and
  // type information would cost a third of the compile time and nothing reads it.
  '-gline-tables-only',
  '-O1',
  '-Wall',
  `-fsanitize=${SANITIZERS.join(',')}`,
  '-fno-sanitize-recover=all',
];

/** The lab's C runtime (memcpy and friends): no sanitizers, and no calls to itself. */
export const RUNTIME_FLAGS: readonly string[] = [...TARGET_FLAGS, '-O2', '-fno-builtin', '-Wall'];

export const LINK_FLAGS: readonly string[] = [
  '--target=wasm32',
  '-nostdlib',
  // A driver has no main: the simulator calls DriverEntry and the handlers it registers.
  '-Wl,--no-entry',
  '-Wl,--export-if-defined=DriverEntry',
  // Handlers registered by pointer are function-table indices the simulator calls through.
  '-Wl,--export-table',
  // Where the driver's static data ends: the simulator's pool allocates above it.
  '-Wl,--export=__heap_base',
  // NDIS functions are imports of module "ndis"; anything else left undefined is reported by the build.
  '-Wl,--allow-undefined',
];

/** Imports of module "env" a driver may have: UBSan's reports, which the simulator turns into bug checks. */
export const SANITIZER_IMPORT = /^__ubsan_handle_\w+$/;
