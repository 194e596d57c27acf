import { describe, expect, it } from 'vitest';
import { ndisLab } from './testing';
import pkg from '../../package.json' with { type: 'json' };

describe('ndis-lab CLI', () => {
  it('prints its version', async () => {
    const result = await ndisLab('--version');
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(new RegExp(`^NDIS Lab ${pkg.version.replace(/\./g, '\\.')} \\(contract v\\d+`));
  });

  it('prints help listing its commands', async () => {
    const result = await ndisLab('--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: ndis-lab <command>');
    expect(result.stdout).toContain('version');
  });

  it('exits 3 with a clear message on an unknown command', async () => {
    const result = await ndisLab('frobnicate');
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('unknown command "frobnicate"');
  });
});
