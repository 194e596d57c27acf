import type { Session } from '../session/session';
import type { Adapter } from './adapter';

/**
 * Scenario steps whose work lives in a family that registers itself (the data path, OIDs), so the
 * scenario runner does not import every family. Each family replaces its entry at module load.
 */
export const scenarioHooks = {
  send(_session: Session, adapter: Adapter, _count: number, _bytes: number): void {
    throw new Error(`cannot send on ${adapter.name}: the send path is not part of this simulator build`);
  },
  oid(_session: Session, adapter: Adapter, oid: number, _request: 'query' | 'set', _data: readonly number[]): void {
    throw new Error(`cannot issue OID 0x${oid.toString(16)} to ${adapter.name}: OID requests are not part of this simulator build`);
  },
};
