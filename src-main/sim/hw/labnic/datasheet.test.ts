import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderDatasheet } from './datasheet';
import { REGISTERS } from './registers';

const FILE = path.join(import.meta.dirname, '../../../../resources/docs/labnic.md');

describe('the LabNIC datasheet', () => {
  it('resources/docs/labnic.md is generated from the register table and up to date', () => {
    const text = renderDatasheet();
    if (process.env.LABNIC_WRITE_DATASHEET) {
      fs.mkdirSync(path.dirname(FILE), { recursive: true });
      fs.writeFileSync(FILE, text);
    }
    expect(fs.readFileSync(FILE, 'utf8'), 'regenerate with LABNIC_WRITE_DATASHEET=1 npx vitest run src-main/sim/hw/labnic/datasheet.test.ts').toBe(text);
    for (const r of REGISTERS) expect(text).toContain(`### ${r.name} (`);
  });
});
