import { describe, expect, it } from 'vitest';
import { BenchConfig } from '../../../src-shared/contract/bench';
import { buildScenario } from './scenario-builder';
import { parseDword, registryFromRows, rowProblem, rowProblems, rowsFromRegistry, scopeRegistry, withScopeRegistry } from './registry-editor';

describe('the registry editor', () => {
  it('reads DWORDs in decimal or hex, within 32 bits', () => {
    expect(parseDword('256')).toBe(256);
    expect(parseDword(' 0x10 ')).toBe(16);
    expect(parseDword('4294967295')).toBe(0xffffffff);
    expect(parseDword('4294967296')).toBeUndefined();
    expect(parseDword('-1')).toBeUndefined();
    expect(parseDword('12abc')).toBeUndefined();
    expect(parseDword('')).toBeUndefined();
  });

  it('says what is wrong with a row', () => {
    expect(rowProblem({ name: '', type: 'dword', value: '1' }, [])).toBe('a value needs a name');
    expect(rowProblem({ name: 'Receive Buffers', type: 'dword', value: '1' }, [])).toBe('a name is letters, digits and _ * . - (no spaces or backslashes)');
    expect(rowProblem({ name: 'Ndi\\Params', type: 'dword', value: '1' }, [])).toMatch(/no spaces or backslashes/);
    expect(rowProblem({ name: 'receivebuffers', type: 'dword', value: '1' }, ['ReceiveBuffers'])).toBe('receivebuffers is already in the table (names are case-insensitive)');
    expect(rowProblem({ name: 'ReceiveBuffers', type: 'dword', value: '99999999999' }, [])).toBe('a DWORD is 0 to 4294967295 (decimal or 0x hex)');
    expect(rowProblem({ name: 'IMMiniport', type: 'dword', value: '2' }, [])).toBe('IMMiniport is 0 or 1');
    expect(rowProblem({ name: 'IMMiniport', type: 'string', value: '1' }, [])).toBe('IMMiniport is a DWORD');
    expect(rowProblem({ name: 'NetworkAddress', type: 'dword', value: '1' }, [])).toBe('NetworkAddress is a string');
    expect(rowProblem({ name: 'NetworkAddress', type: 'string', value: '02:4c:41:42:00' }, [])).toBe('NetworkAddress is six hex pairs, like 02:4c:41:42:00:99');
    expect(rowProblem({ name: 'NetworkAddress', type: 'string', value: '024C41420099' }, [])).toBeUndefined();
    expect(rowProblem({ name: '*JumboPacket', type: 'dword', value: '9014' }, [])).toBeUndefined();
    expect(rowProblem({ name: 'Comment', type: 'string', value: 'x'.repeat(1025) }, [])).toBe('a string is at most 1024 characters');
    expect(rowProblems([{ name: 'A', type: 'dword', value: '1' }, { name: 'a', type: 'dword', value: '2' }])).toEqual([undefined, 'a is already in the table (names are case-insensitive)']);
  });

  it('turns rows into registry values bench.json takes, and back', () => {
    const rows = rowsFromRegistry({ MSISupported: 1, NetworkAddress: '02:4c:41:42:00:99' });
    expect(rows).toEqual([
      { name: 'MSISupported', type: 'dword', value: '1' },
      { name: 'NetworkAddress', type: 'string', value: '02:4c:41:42:00:99' },
    ]);
    const result = registryFromRows([...rows, { name: ' ReceiveBuffers ', type: 'dword', value: '0x80' }]);
    expect(result).toEqual({ registry: { MSISupported: 1, NetworkAddress: '02:4c:41:42:00:99', ReceiveBuffers: 128 } });
    const bad = registryFromRows([...rows, { name: 'X', type: 'dword', value: 'many' }]);
    expect('problems' in bad && [...bad.problems]).toEqual([[2, 'a DWORD is 0 to 4294967295 (decimal or 0x hex)']]);
  });

  it('edits every instance or one instance of bench.json; the run gets them through the builder', () => {
    let bench: BenchConfig | undefined = { device: 'labnic', registry: { MSISupported: 1 } };
    bench = withScopeRegistry(bench, { kind: 'instance', name: 'adapter0' }, { ReceiveBuffers: 64, NetworkAddress: '02:4c:41:42:00:99' });
    bench = withScopeRegistry(bench, { kind: 'all' }, { MSISupported: 0 });
    expect(BenchConfig.parse(bench)).toEqual({ device: 'labnic', registry: { MSISupported: 0 }, adapters: { adapter0: { registry: { ReceiveBuffers: 64, NetworkAddress: '02:4c:41:42:00:99' } } } });
    expect(scopeRegistry(bench, { kind: 'instance', name: 'adapter0' })).toEqual({ ReceiveBuffers: 64, NetworkAddress: '02:4c:41:42:00:99' });
    expect(scopeRegistry(bench, { kind: 'instance', name: 'adapter1' })).toEqual({});
    const built = buildScenario({ scenario: 'default', faults: [], labnic: false, bench });
    expect(built.steps[1]).toEqual({ step: 'add-device', name: 'adapter0', device: 'labnic', registry: { MSISupported: 0, ReceiveBuffers: 64, NetworkAddress: '02:4c:41:42:00:99' } });
    // Emptied scopes leave bench.json minimal.
    bench = withScopeRegistry(bench, { kind: 'instance', name: 'adapter0' }, {});
    bench = withScopeRegistry(bench, { kind: 'all' }, {});
    expect(bench).toEqual({ device: 'labnic' });
  });
});
