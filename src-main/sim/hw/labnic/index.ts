import { registerDeviceKind } from '../device';
import { LabNic } from './device';

export { LabNic, LABNIC, PCI, DEFAULT_TIMING, TICKS_PER_MS, TICKS_PER_US } from './device';
export type { LabNicFault, LabNicOptions, LabNicTiming, ReceiveResult, DmaErrorInfo } from './device';
export { CAUSE, REG, REGISTERS, decodeFields } from './registers';
export type { Access, DecodedField, FieldSpec, RegisterSpec, RegName } from './registers';

registerDeviceKind('labnic', () => new LabNic());
