import type { HardwareFault, HardwareFaultInput } from '../../../src-shared/contract/scenario';
import { TICKS_PER_MILLISECOND } from '../kernel/clock';
import type { BenchDevice } from '../hw/device';
import type { Session } from '../session/session';
import type { Adapter } from './adapter';
import { surpriseRemove } from './reset';
import { floodFrames } from './wire';

/**
 * Hardware faults from the bench or a scenario (`hw-fault`, `add-device` faults): most go to the
 * device model (LabNIC's inject); the receive-overrun flood is the wire's; a surprise removal is
 * the device vanishing and, a moment later, PnP telling NDIS.
 */

/** How long after the device vanishes PnP reports the surprise removal to NDIS. */
const SURPRISE_REMOVAL_NOTICE_TICKS = TICKS_PER_MILLISECOND;

function describe(fault: HardwareFaultInput): string | undefined {
  const { kind: _kind, ...rest } = fault;
  const parts = Object.entries(rest).map(([k, v]) => `${k}=${String(v)}`);
  return parts.length > 0 ? parts.join(' ') : undefined;
}

function deviceFaults(device: BenchDevice, adapterName: string): Required<Pick<BenchDevice, 'inject'>> {
  const inject = device.inject?.bind(device);
  if (!inject) throw new Error(`${adapterName} has no hardware that can fail: its device is ${device.kind}; add it with "device": "labnic"`);
  return { inject };
}

/** Faults in effect from power-on, applied to the device before the adapter starts. */
export function applyPowerOnFaults(session: Session, adapterName: string, device: BenchDevice, faults: readonly HardwareFault[]): void {
  for (const fault of faults) {
    if (fault.kind === 'receive-overrun' || fault.kind === 'clear' || fault.kind === 'surprise-removal') {
      throw new Error(`the ${fault.kind} fault cannot be in effect from power-on; use an hw-fault step once ${adapterName} is running`);
    }
    deviceFaults(device, adapterName).inject(fault);
    const detail = describe(fault);
    session.emit({ kind: 'hw.fault', adapter: adapterName, fault: fault.kind, ...(detail ? { detail: `${detail} (from power-on)` } : { detail: 'from power-on' }) });
  }
}

/** The `hw-fault` step: a fault of the adapter's device happens now. */
export function applyHardwareFault(session: Session, adapter: Adapter, fault: HardwareFault): void {
  const device = adapter.device;
  const detail = describe(fault);
  session.emit({ kind: 'hw.fault', adapter: adapter.name, fault: fault.kind, ...(detail ? { detail } : {}) });
  switch (fault.kind) {
    case 'clear':
      if (!device.clearFaults) throw new Error(`${adapter.name} has no hardware faults to clear`);
      device.clearFaults();
      return;
    case 'receive-overrun':
      floodFrames(session, adapter, fault.frames);
      return;
    case 'msi-as-line':
      throw new Error('msi-as-line decides the interrupt PnP grants when the device starts: give it in the add-device step\'s faults');
    case 'surprise-removal':
      deviceFaults(device, adapter.name).inject(fault);
      session.kernel.scheduler.at(session.now + SURPRISE_REMOVAL_NOTICE_TICKS, {
        label: `PnP reports ${adapter.name} surprise-removed`,
        run: () => {
          if (adapter.state !== 'Halted' && adapter.state !== 'Shutdown') surpriseRemove(session, adapter);
        },
      });
      return;
    default:
      deviceFaults(device, adapter.name).inject(fault);
  }
}
