/**
 * The version of the renderer↔engine contract. Bump it whenever a command's or an event's schema
 * changes incompatibly; both ends refuse to talk across versions (see the hello handshake in frames.ts).
 */
export const CONTRACT_VERSION = 1;
