import './index';
import { importSpecs } from './imports';

/**
 * The NDIS and kernel functions the simulator implements, by import name: every family registered
 * by ndis/index.ts. The build refuses a driver that calls any other function the lab headers
 * declare, naming it at the line of the call (see engine/toolchain/build.ts).
 */
export const IMPLEMENTED_IMPORTS: readonly string[] = [...importSpecs().keys()].sort();
