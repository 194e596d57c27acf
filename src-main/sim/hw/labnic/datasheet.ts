import { DEFAULT_TIMING, LABNIC, TICKS_PER_MS, TICKS_PER_US } from './device';
import { EEPROM_LAYOUT } from './eeprom';
import { PHY_REGISTERS } from './phy';
import { CAUSE, CAUSE_TEXT, IO_PORTS, REGISTERS, RX_DESCRIPTOR, TX_DESCRIPTOR, type CauseName, type FieldSpec, type RegisterSpec } from './registers';

/**
 * The LabNIC datasheet (resources/docs/labnic.md), generated from the register tables so the two
 * cannot drift apart. datasheet.test.ts checks that the committed file is up to date; regenerate it
 * with `LABNIC_WRITE_DATASHEET=1 npx vitest run src-main/sim/hw/labnic/datasheet.test.ts`.
 */

const hex = (n: number, digits = 4): string => `0x${(n >>> 0).toString(16).toUpperCase().padStart(digits, '0')}`;

function bits(field: FieldSpec): string {
  return field.width === 1 ? `${field.lsb}` : `${field.lsb + field.width - 1}:${field.lsb}`;
}

function time(ticks: number): string {
  return ticks >= TICKS_PER_MS ? `${ticks / TICKS_PER_MS} ms` : `${ticks / TICKS_PER_US} µs`;
}

function registerSection(r: RegisterSpec): string[] {
  const lines = [`### ${r.name} (${hex(r.offset)})`, '', `${r.description} Reset value: ${r.resetNote ?? hex(r.reset, 8)}.`, '', '| Bits | Field | Access | Description |', '|---|---|---|---|'];
  for (const f of r.fields) {
    const values = f.values ? ` Values: ${Object.entries(f.values).map(([k, v]) => `${k} = ${v}`).join(', ')}.` : '';
    lines.push(`| ${bits(f)} | ${f.name} | ${f.access} | ${f.description}${values} |`);
  }
  lines.push('');
  return lines;
}

export function renderDatasheet(): string {
  const out: string[] = [];
  const t = DEFAULT_TIMING;
  out.push(
    '<!-- Generated from src-main/sim/hw/labnic/registers.ts by datasheet.ts: do not edit by hand. -->',
    '',
    '# LabNIC datasheet',
    '',
    "LabNIC is NDIS Lab's virtual gigabit Ethernet controller. It is modelled on the Intel 8254x (e1000) family: the register offsets, interrupt causes, descriptor formats and EEPROM layout follow it, so a driver for LabNIC looks like a small e1000 driver. Where LabNIC differs (a DMA error cause, no multicast table, no FCS on the wire) this datasheet says so.",
    '',
    'All registers are 32 bits, little-endian. Time is virtual: the simulator advances it, and everything the device does takes a fixed, deterministic amount of it.',
    '',
    '## PCI configuration',
    '',
    '| Offset | Field | Value |',
    '|---|---|---|',
    `| 0x00 | Vendor ID | ${hex(LABNIC.vendorId)} (the lab's own, not a registered PCI vendor) |`,
    `| 0x02 | Device ID | ${hex(LABNIC.deviceId)} |`,
    '| 0x04 | Command | 0x0003 at power-on: I/O and memory decoding on, **bus mastering (bit 2) off**: the driver must set bit 2 (NdisMSetBusData) or the device does no DMA at all |',
    `| 0x08 | Revision | ${hex(LABNIC.revision, 2)} |`,
    `| 0x0B | Class | ${hex(LABNIC.classCode, 2)} (network controller), subclass 0x00 (Ethernet) |`,
    `| 0x10 | BAR 0 | ${hex(LABNIC.bar0, 8)}: memory, ${LABNIC.bar0Length / 1024} KB of registers |`,
    `| 0x14 | BAR 1 | ${hex(LABNIC.portBase | 1)}: I/O, ${LABNIC.portCount} ports (IOADDR/IODATA window) |`,
    `| 0x2C | Subsystem vendor ID | ${hex(LABNIC.subsystemVendorId)} |`,
    `| 0x2E | Subsystem ID | ${hex(LABNIC.subsystemId)} |`,
    `| 0x3C | Interrupt line | ${LABNIC.interruptLine} |`,
    '| 0x3D | Interrupt pin | 1 (INTA#): a level-triggered, line-based interrupt |',
    '',
    `Resources PnP assigns, in this order: memory ${hex(LABNIC.bar0, 8)} (length ${hex(LABNIC.bar0Length, 5)}), ports ${hex(LABNIC.portBase)}..${hex(LABNIC.portBase + LABNIC.portCount - 1)}, interrupt vector ${hex(LABNIC.vector, 2)} at DIRQL ${LABNIC.irql}.`,
    '',
    '## Access types',
    '',
    '| Access | Meaning |',
    '|---|---|',
    '| RW | Read/write. |',
    '| RO | Read-only; writes are ignored. |',
    '| WO | Write-only; reads return 0. |',
    '| W1C | Write 1 to clear; writing 0 has no effect. |',
    '| W1S | Write 1 to set; writing 0 has no effect. |',
    '| RC | Read-to-clear: a read returns the value and clears it. |',
    '| RC/W1C | Read-to-clear, and writing 1s also clears. |',
    '| SC | Self-clearing: write 1 to start an action; the bit reads 1 until the device has finished. |',
    '',
    'Bits not listed in a register are reserved: they read 0 and ignore writes. Offsets not listed read 0 and ignore writes. 8- and 16-bit accesses reach the bytes of the 32-bit register that holds them (a read of any byte of a read-to-clear register clears the whole register).',
    '',
    '## Register summary (memory BAR 0)',
    '',
    '| Offset | Name | Group | Reset | Description |',
    '|---|---|---|---|---|',
  );
  for (const r of REGISTERS) out.push(`| ${hex(r.offset)} | ${r.name} | ${r.group} | ${r.resetNote ?? hex(r.reset, 8)} | ${r.description} |`);
  out.push('', '## Registers', '');
  for (const r of REGISTERS) out.push(...registerSection(r));
  out.push('## I/O window (BAR 1)', '', 'The I/O BAR reaches every memory-BAR register through an address/data pair, as on the e1000:', '', '| Port | Name | Description |', '|---|---|---|');
  for (const p of IO_PORTS) out.push(`| base + ${p.offset} | ${p.name} | ${p.description} |`);
  out.push('', '## Interrupts', '', '| Bit | Cause | Meaning |', '|---|---|---|');
  for (const name of Object.keys(CAUSE) as CauseName[]) out.push(`| ${Math.log2(CAUSE[name])} | ${name} | ${CAUSE_TEXT[name]} |`);
  out.push(
    '',
    'The interrupt line is active while `ICR & IMS` is not 0 (a level-triggered line): the device interrupts on the rising edge, and the simulator runs the ISR again after it returns as long as the line stays active. A typical ISR reads ICR (which clears it and drops the line) and defers the work to its DPC; a driver that polls must not lose the causes its read cleared. ICS sets causes by hand; IMC masks them (for example at the start of the ISR, with IMS re-enabling them at the end of the DPC).',
    '',
    '## Descriptor rings',
    '',
    'Each ring is an array of 16-byte descriptors in shared memory, at the bus address in xDBAH:xDBAL, xDLEN bytes long (a multiple of 128). The device owns the descriptors from the head (xDH, advanced by the device) up to but not including the tail (xDT, written by the driver); head == tail means the device owns none. Head and tail wrap to 0 at xDLEN / 16. A head or tail beyond the ring stops the engine (transmit does nothing; receive counts every frame as missed).',
    '',
    '### Transmit descriptor (legacy format)',
    '',
    '| Offset | Size | Field | Description |',
    '|---|---|---|---|',
  );
  for (const d of TX_DESCRIPTOR) out.push(`| ${d.offset} | ${d.size} | ${d.name} | ${d.description} |`);
  out.push(
    '',
    `Transmit: when the driver moves TDT (or sets TCTL.EN with TDT != TDH), the device waits ${time(t.transmitStart)}, then processes descriptors from TDH to TDT in order: it reads each descriptor and its buffer, writes DD back into STA if CMD.RS is set, and advances TDH. The buffers of descriptors up to one with CMD.EOP form one frame, which goes on the wire (counted in GPTC, GOTC, TPT; padded to 60 bytes if TCTL.PSP). With the link down frames are completed but lost. Then TXDW is raised if a descriptor was written back, and TXQE once TDH == TDT.`,
    '',
    '### Receive descriptor (legacy format)',
    '',
    '| Offset | Size | Field | Description |',
    '|---|---|---|---|',
  );
  for (const d of RX_DESCRIPTOR) out.push(`| ${d.offset} | ${d.size} | ${d.name} | ${d.description} |`);
  out.push(
    '',
    'Receive: a frame from the wire is accepted when RCTL.EN is set, the link is up, and the filter passes it: broadcast with RCTL.BAM, multicast with RCTL.MPE, unicast to RAL0/RAH0 (with AV) or any unicast with RCTL.UPE. It is stored into as many descriptors as its length needs (RCTL.BSIZE bytes each); each descriptor gets its length and DD written back, the last one EOP, and RDH advances. Then RXT0 is raised (and RXDMT0 if the free descriptors left are at most the RCTL.RDMTS fraction of the ring) and GPRC, GORC and TPR count it. If the device owns too few descriptors, the frame is dropped: MPC counts it and RXO is raised.',
    '',
    '## DMA',
    '',
    'The device reaches memory only by bus-master DMA, and only when bus mastering is enabled (PCI command bit 2); otherwise it does no DMA at all (transmit descriptors stay pending, received frames are dropped). An access to a bus address that is not the driver\'s shared memory (or a mapped scatter/gather element) fails: the device raises DMAERR and stops the engine that failed (clears TCTL.EN or RCTL.EN; TDH stays on the failing descriptor, the received frame is lost). The driver recovers by reprogramming the ring (or resetting the device) and setting EN again.',
    '',
    '## EEPROM',
    '',
    '64 words of 16 bits, read with EERD: write `ADDR << 8 | START`, poll until DONE, then DATA is in bits 31:16. The checksum rule is the e1000\'s: the sum of words 0x00..0x3F (mod 0x10000) is 0xBABA; a driver should check it and fail initialization if it does not hold. Unlisted words read 0xFFFF.',
    '',
    '| Word | Name | Description |',
    '|---|---|---|',
  );
  for (const w of EEPROM_LAYOUT) out.push(`| ${hex(w.word, 2)} | ${w.name} | ${w.description} |`);
  out.push(
    '',
    `The default MAC address is ${LABNIC.defaultMac.map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(':')} (locally administered). At reset the device loads it into RAL0/RAH0.`,
    '',
    '## PHY (MDIO address 1)',
    '',
    'PHY registers are read and written through MDIC. Auto-negotiation starts when the adapter is attached, on CTRL.PHY_RST, on BMCR.RESET or RESTART_AN, and when BMCR.POWER_DOWN is cleared; the link comes up when it completes. STATUS.LU is the PHY\'s link AND CTRL.SLU; every change of STATUS.LU raises LSC.',
    '',
    '| Reg | Name | Reset | Access | Description |',
    '|---|---|---|---|---|',
  );
  for (const p of PHY_REGISTERS) out.push(`| ${p.reg} | ${p.name} | ${hex(p.reset)} | ${p.access} | ${p.description} |`);
  out.push(
    '',
    '## Timing',
    '',
    '| What | Takes |',
    '|---|---|',
    `| CTRL.RST, from the write to RST reading 0 | ${time(t.reset)} |`,
    `| Auto-negotiation, to the link coming up | ${time(t.linkUp)} |`,
    `| EERD read, START to DONE | ${time(t.eepromRead)} |`,
    `| MDIC access, write to R | ${time(t.mdic)} |`,
    `| Transmit, TDT write to frames on the wire | ${time(t.transmitStart)} |`,
    '| Receive, frame to descriptors written back and RXT0 | immediate |',
    '',
    '## Faults',
    '',
    'The bench and scenarios can make the device misbehave, deterministically, to show what a driver would see:',
    '',
    '| Fault | What the driver sees |',
    '|---|---|',
    '| interrupt-storm | The chosen causes (default TXDW) are set, and set again every time the driver clears them: each ICR read is followed by a new interrupt. |',
    '| stuck-interrupt | The interrupt line stays active whatever the driver does. The ISR runs, finds ICR 0 and must return FALSE (not this device\'s interrupt: the line is shared). The line never drops, so it gives no new edge: a driver that waits for interrupts alone stalls, one that also polls the causes from a timer keeps working. |',
    '| lost-interrupt | The next interrupt is never signalled: the cause is in ICR (a read shows and clears it) but the ISR does not run for it. |',
    '| dma-error | The next DMA transfer hits a bad address: DMAERR, and the transmit or receive engine stops. |',
    '| surprise-removal | The device is gone: every register and port reads all ones (0xFFFFFFFF), PCI configuration space too; writes are ignored, no interrupts, no DMA. |',
    '| bad-eeprom-checksum | The EEPROM words no longer sum to 0xBABA. |',
    '| link-flap | The link goes down at once and comes back after the given time, with LSC each time. |',
    '| reset-hang | CTRL.RST never clears: the device ignores every write from then on. |',
    '| reset-late | CTRL.RST clears after the given time instead of the normal reset time. |',
    '| surprise-removal (then) | About 1 ms later PnP reports the removal: NDIS calls MiniportDevicePnPEventNotify(NdisDevicePnPEventSurpriseRemoved), pauses the adapter and halts it with NdisHaltDeviceSurpriseRemoved. |',
    '| receive-overrun | The link partner floods the port with more frames than the receive ring holds (default 1,024 back to back): the device drops what does not fit, counts it in MPC and raises RXO. The same happens whenever the driver does not return receive descriptors fast enough. |',
    '| msi-as-line | PnP grants the line (INTA#) although the device has MSI and the INF asks for it: NdisMRegisterInterruptEx reports NDIS_CONNECT_LINE_BASED in InterruptType and the line-based ISR and DPC are called. Only from power-on. |',
    '',
    'In scenarios: `{ "step": "hw-fault", "fault": { "kind": "link-flap", "downMs": 100 } }` on a running adapter, or `"faults": [{ "kind": "bad-eeprom-checksum" }]` in `add-device` for faults in effect from power-on; `{ "kind": "clear" }` ends the interrupt, DMA and reset faults.',
    '',
    '## Interrupt resources: line or MSI',
    '',
    'LabNIC has an MSI capability with one message. PnP grants it when the device instance asks for MSI (its INF sets `Interrupt Management\\MessageSignaledInterruptProperties\\MSISupported` = 1; on the bench, the registry value `MSISupported` = 1) and the driver sets `MsiSupported` in its NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS; otherwise the interrupt is the line (INTA#, vector 0x3B, level-triggered, shareable). NdisMRegisterInterruptEx says which one was granted in `InterruptType` (NDIS_CONNECT_MESSAGE_BASED or NDIS_CONNECT_LINE_BASED). A message is sent on each rising edge of `ICR & IMS`; it is never shared, so the message ISR is always for this device.',
    '',
    '## The wire',
    '',
    'The port is connected to a link partner that the bench or a scenario plays. Frames the device transmits (while the link is up) are captured; the partner (02:4C:41:42:00:02) sends frames of EtherType 0x88B5 to the station address (or broadcast), each with a 32-bit big-endian sequence number right after the Ethernet header: `{ "step": "inject-frame", "count": 1000, "burst": 16, "intervalUs": 200 }`. `ndis-lab run --pcap` writes both directions as a pcap capture. The cable can be pulled (the link goes down and stays down) and plugged back in (auto-negotiation runs again): a scenario\'s `lower-link` step does this to a LabNIC below an intermediate driver\'s binding.',
    '',
  );
  return out.join('\n');
}
