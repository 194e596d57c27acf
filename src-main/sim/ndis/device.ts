import { PASSIVE_LEVEL } from '../kernel/irql';
import type { Session } from '../session/session';
import { adapterOf, type Adapter } from './adapter';
import { driverState } from './driver';
import { args, defineImports } from './imports';
import { K } from './status';

/** Device objects: what NdisRegisterDeviceEx creates (a control device) and what an adapter stands on. */
interface ControlDevice {
  handle: number;
  deviceObject: number;
  extension: number;
  name: string;
  owner: number;
}

interface DeviceState {
  controls: Map<number, ControlDevice>;
  /** PDO, FDO and next-lower device of each adapter, created on first NdisMGetDeviceProperty. */
  stacks: Map<number, { pdo: number; fdo: number; next: number }>;
}

const TAG_DEVICE = 0x43564544; // 'DEVC'
/** An opaque DEVICE_OBJECT: drivers hand it around, never look inside (the lab headers keep it opaque). */
const DEVICE_OBJECT_BYTES = 64;

function devices(session: Session): DeviceState {
  return session.state<DeviceState>('devices', () => ({ controls: new Map(), stacks: new Map() }));
}

function stackOf(session: Session, adapter: Adapter): { pdo: number; fdo: number; next: number } {
  const state = devices(session);
  let stack = state.stacks.get(adapter.handle);
  if (!stack) {
    const make = () => session.pool.allocate(DEVICE_OBJECT_BYTES, TAG_DEVICE, 'NdisMGetDeviceProperty', 'ndis');
    stack = { pdo: make(), fdo: make(), next: make() };
    state.stacks.set(adapter.handle, stack);
  }
  return stack;
}

/** Control devices the driver never deregistered, for the unload check. */
export function liveControlDevices(session: Session): ControlDevice[] {
  return [...devices(session).controls.values()];
}

defineImports([
  {
    name: 'NdisMGetDeviceProperty',
    args: args('MiniportAdapterHandle:handle', 'PhysicalDeviceObject:ptr', 'FunctionalDeviceObject:ptr', 'NextDeviceObject:ptr', 'AllocatedResources:ptr', 'AllocatedResourcesTranslated:ptr'),
    result: 'void',
    exactIrql: PASSIVE_LEVEL,
    impl(session, [handle, pdo, fdo, next, resources, translated]) {
      const adapter = adapterOf(session, handle!, 'NdisMGetDeviceProperty');
      const stack = stackOf(session, adapter);
      const resourceList = session.memory.field('NDIS_MINIPORT_INIT_PARAMETERS', adapter.initParameters, 'AllocatedResources');
      if (pdo) session.memory.setU32(pdo, stack.pdo);
      if (fdo) session.memory.setU32(fdo, stack.fdo);
      if (next) session.memory.setU32(next, stack.next);
      // A virtual device claims no hardware: its resource lists are empty (NULL).
      if (resources) session.memory.setU32(resources, resourceList);
      if (translated) session.memory.setU32(translated, resourceList);
    },
  },
  // NdisMGetBusData / NdisMSetBusData: hardware.ts (PCI configuration space of the adapter's device).
  {
    name: 'NdisRegisterDeviceEx',
    args: args('NdisHandle:handle', 'DeviceObjectAttributes:ptr', 'pDeviceObject:ptr', 'NdisDeviceHandle:ptr'),
    result: 'status',
    exactIrql: PASSIVE_LEVEL,
    fault: { kind: 'return', value: K.NDIS_STATUS_RESOURCES, label: 'NDIS_STATUS_RESOURCES' },
    impl(session, [owner, attributes, deviceOut, handleOut]) {
      const m = session.memory;
      const driver = driverState(session);
      if (!driver.registrations.some((r) => r.handle === owner && !r.deregistered)) {
        session.violation('REG-UNLOAD', 'NdisRegisterDeviceEx needs the miniport driver handle from NdisMRegisterMiniportDriver');
        return K.NDIS_STATUS_INVALID_PARAMETER;
      }
      const type = m.field('NDIS_DEVICE_OBJECT_ATTRIBUTES', attributes!, 'Header.Type');
      const size = m.field('NDIS_DEVICE_OBJECT_ATTRIBUTES', attributes!, 'Header.Size');
      if (type !== K.NDIS_OBJECT_TYPE_DEVICE_OBJECT_ATTRIBUTES || size < K.NDIS_SIZEOF_DEVICE_OBJECT_ATTRIBUTES_REVISION_1) return K.NDIS_STATUS_INVALID_PARAMETER;
      const namePtr = m.field('NDIS_DEVICE_OBJECT_ATTRIBUTES', attributes!, 'DeviceName');
      const name = namePtr ? m.unicodeString(namePtr) : '';
      if (!name.startsWith('\\Device\\')) return K.NDIS_STATUS_INVALID_PARAMETER;
      const state = devices(session);
      if ([...state.controls.values()].some((d) => d.name === name)) return K.NDIS_STATUS_FAILURE;
      const extensionSize = m.field('NDIS_DEVICE_OBJECT_ATTRIBUTES', attributes!, 'ExtensionSize');
      const deviceObject = session.pool.allocate(DEVICE_OBJECT_BYTES, TAG_DEVICE, 'NdisRegisterDeviceEx', 'ndis');
      const extension = extensionSize ? session.pool.allocate(extensionSize, TAG_DEVICE, 'NdisRegisterDeviceEx', 'ndis') : 0;
      const device: ControlDevice = { handle: session.newHandle(), deviceObject, extension, name, owner: owner! };
      state.controls.set(device.handle, device);
      m.setU32(deviceOut!, deviceObject);
      m.setU32(handleOut!, device.handle);
      return K.NDIS_STATUS_SUCCESS;
    },
  },
  {
    name: 'NdisDeregisterDeviceEx',
    args: args('NdisDeviceHandle:handle'),
    result: 'void',
    exactIrql: PASSIVE_LEVEL,
    impl(session, [handle]) {
      const state = devices(session);
      const device = state.controls.get(handle!);
      if (!device) return session.labStop('BAD-HANDLE', `NdisDeregisterDeviceEx: 0x${(handle! >>> 0).toString(16)} is not a device handle from NdisRegisterDeviceEx`);
      state.controls.delete(handle!);
      session.pool.release(device.deviceObject);
      if (device.extension) session.pool.release(device.extension);
    },
  },
  {
    name: 'NdisGetDeviceReservedExtension',
    args: args('DeviceObject:ptr'),
    result: 'ptr',
    impl(session, [deviceObject]) {
      const device = [...devices(session).controls.values()].find((d) => d.deviceObject === deviceObject);
      return device?.extension ?? 0;
    },
  },
]);
