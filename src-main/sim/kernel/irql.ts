/** Interrupt request levels as the WDK numbers them on x86 (what the lab's headers declare). */
export const PASSIVE_LEVEL = 0;
export const APC_LEVEL = 1;
export const DISPATCH_LEVEL = 2;
/** The level an ISR runs at; one device line, so one DIRQL. */
export const DEVICE_LEVEL = 5;
export const HIGH_LEVEL = 31;

export type Irql = number;

export function irqlName(irql: Irql): string {
  switch (irql) {
    case PASSIVE_LEVEL:
      return 'PASSIVE_LEVEL';
    case APC_LEVEL:
      return 'APC_LEVEL';
    case DISPATCH_LEVEL:
      return 'DISPATCH_LEVEL';
    case DEVICE_LEVEL:
      return 'DIRQL';
    case HIGH_LEVEL:
      return 'HIGH_LEVEL';
    default:
      return `IRQL ${irql}`;
  }
}
