/**
 * LabNIC's EEPROM: 64 16-bit words, read through EERD. The layout follows the 8254x: the MAC address
 * in words 0..2 (byte 0 in the low byte of word 0), ids in 0x0B..0x0E, and a checksum word at 0x3F
 * chosen so the sum of words 0x00..0x3F is 0xBABA (mod 2^16). Unprogrammed words read 0xFFFF.
 */

export const EEPROM_WORDS = 64;
export const EEPROM_CHECKSUM_WORD = 0x3f;
export const EEPROM_CHECKSUM_TARGET = 0xbaba;

export const EEPROM_LAYOUT = [
  { word: 0x00, name: 'MAC 0-1', description: 'MAC address bytes 0 (low byte) and 1 (high byte).' },
  { word: 0x01, name: 'MAC 2-3', description: 'MAC address bytes 2 and 3.' },
  { word: 0x02, name: 'MAC 4-5', description: 'MAC address bytes 4 and 5.' },
  { word: 0x0a, name: 'Init control 1', description: '0x0001: LabNIC rev 1 (informational).' },
  { word: 0x0b, name: 'Subsystem ID', description: 'Same as PCI config 0x2E.' },
  { word: 0x0c, name: 'Subsystem vendor ID', description: 'Same as PCI config 0x2C.' },
  { word: 0x0d, name: 'Device ID', description: 'Same as PCI config 0x02.' },
  { word: 0x0e, name: 'Vendor ID', description: 'Same as PCI config 0x00.' },
  { word: 0x3f, name: 'Checksum', description: 'Makes the sum of words 0x00..0x3F equal 0xBABA.' },
] as const;

export function eepromSum(words: Uint16Array): number {
  let sum = 0;
  for (let i = 0; i <= EEPROM_CHECKSUM_WORD; i++) sum = (sum + (words[i] ?? 0)) & 0xffff;
  return sum;
}

/** The EEPROM image for a MAC address and PCI ids, with a correct checksum. */
export function buildEeprom(mac: readonly number[], ids: { vendorId: number; deviceId: number; subsystemVendorId: number; subsystemId: number }): Uint16Array {
  const words = new Uint16Array(EEPROM_WORDS).fill(0xffff);
  for (let i = 0; i < 3; i++) words[i] = ((mac[2 * i] ?? 0) & 0xff) | (((mac[2 * i + 1] ?? 0) & 0xff) << 8);
  words[0x0a] = 0x0001;
  words[0x0b] = ids.subsystemId;
  words[0x0c] = ids.subsystemVendorId;
  words[0x0d] = ids.deviceId;
  words[0x0e] = ids.vendorId;
  words[EEPROM_CHECKSUM_WORD] = 0;
  words[EEPROM_CHECKSUM_WORD] = (EEPROM_CHECKSUM_TARGET - eepromSum(words)) & 0xffff;
  return words;
}

/** The MAC address in an EEPROM image (words 0..2). */
export function eepromMac(words: Uint16Array): number[] {
  const mac: number[] = [];
  for (let i = 0; i < 3; i++) mac.push((words[i] ?? 0) & 0xff, ((words[i] ?? 0) >>> 8) & 0xff);
  return mac;
}
