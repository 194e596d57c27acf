/**
 * The NDIS and kernel functions the simulator implements, by import name. The build refuses a
 * driver that calls any other function the lab headers declare, naming it at the line of the call
 * (see engine/toolchain/build.ts). The NDIS library fills this list as it grows.
 */
export const IMPLEMENTED_IMPORTS: readonly string[] = [];
