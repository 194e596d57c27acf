import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LabError } from '../../src-shared/contract';
import { LabClient } from '../../src-shared/rpc';
import { ExampleLibrary, readmeTitle } from './examples';
import { LabEngine } from './lab-engine';
import { LabServer } from './lab-server';
import { MemoryTransport } from './memory-transport';
import { resourcesDir } from './resources';

const examplesDir = path.join(resourcesDir(), 'examples');

describe('examples.list', () => {
  const engine = new LabEngine({ host: 'memory', heartbeatMs: 0 });
  afterAll(() => engine.dispose());

  it('lists the reference drivers and each rule-violation driver, with titles and source files', async () => {
    const { examples } = await engine.handlers['examples.list']({});
    const names = examples.map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(['labnic-miniport', 'virtual-miniport', 'wdk-sample-miniport', 'rule-violations/HALT-LEAK', 'rule-violations/endless-loop']));
    const labnic = examples.find((e) => e.name === 'labnic-miniport')!;
    expect(labnic.title).toBe('LabNic — reference hardware miniport for LabNIC (NDIS 6.20)');
    expect(labnic.group).toBe('example');
    expect(labnic.bench).toBe(true);
    expect(labnic.files).toEqual(['adapter.c', 'datapath.c', 'driver.h', 'hardware.c', 'interrupt.c', 'miniport.c', 'oid.c']);
    const mim = examples.find((e) => e.name === 'miniport-im')!;
    expect([mim.title, mim.group, mim.bench, mim.files]).toEqual(['MiniportIm — reference miniport-intermediate driver (NDIS 6.20)', 'example', true, ['driver.h', 'driverentry.c', 'miniport.c', 'oid.c', 'protocol.c']]);
    const leak = examples.find((e) => e.name === 'rule-violations/HALT-LEAK')!;
    expect(leak.group).toBe('rule-violation');
    expect(leak.files).toEqual(['driver.c']);
    expect(leak.title).toMatch(/^HALT-LEAK — violates HALT-LEAK at driver\.c:\d+/);
    // The rule-violations folder itself is a shelf, not a project.
    expect(names).not.toContain('rule-violations');
    // Every example on the shelf has a folder of its own.
    for (const example of examples) expect(fs.existsSync(path.join(examplesDir, example.name, example.files[0]!))).toBe(true);
  });
});

describe('examples.get', () => {
  const engine = new LabEngine({ host: 'memory', heartbeatMs: 0 });
  afterAll(() => engine.dispose());

  it("gives an example's sources and its bench.json", async () => {
    const project = await engine.handlers['examples.get']({ name: 'labnic-miniport' });
    expect(Object.keys(project.files).sort()).toEqual(['adapter.c', 'datapath.c', 'driver.h', 'hardware.c', 'interrupt.c', 'miniport.c', 'oid.c']);
    expect(project.files['driver.h']).toBe(fs.readFileSync(path.join(examplesDir, 'labnic-miniport', 'driver.h'), 'utf8'));
    expect(project.bench).toEqual(JSON.parse(fs.readFileSync(path.join(examplesDir, 'labnic-miniport', 'bench.json'), 'utf8')));
    expect(project.bench?.registry).toMatchObject({ MSISupported: 1, ReceiveBuffers: 256 });
    const rule = await engine.handlers['examples.get']({ name: 'rule-violations/HALT-TIMER' });
    expect(Object.keys(rule.files)).toEqual(['driver.c']);
    expect(rule.files['driver.c']).toContain('VIOLATION');
    expect(rule.bench).toBeUndefined();
  });

  it('refuses an unknown name, and a path that leaves the examples folder', async () => {
    await expect(engine.handlers['examples.get']({ name: 'no-such-example' })).rejects.toThrow('no example named "no-such-example"; examples.list gives the names');
    await expect(engine.handlers['examples.get']({ name: 'rule-violations' })).rejects.toThrow('no example named "rule-violations"');
    for (const name of ['../include', '../../package', 'labnic-miniport/../virtual-miniport', '/etc', 'rule-violations\\..\\x', '..']) {
      const error = await Promise.resolve()
        .then(() => engine.handlers['examples.get']({ name }))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error, name).toBeInstanceOf(LabError);
      expect((error as LabError).code).toBe('E_SCHEMA');
      expect((error as LabError).message).toContain('not an example name');
    }
  });

  it('refuses ../ through the contract with an error naming the field', async () => {
    const client = await LabClient.connect(new MemoryTransport(new LabServer(engine)));
    try {
      await expect(client.call('examples.get', { name: '../include/ndis' })).rejects.toMatchObject({
        code: 'E_SCHEMA',
        message: expect.stringContaining('input.name'),
      });
      await expect(client.call('examples.get', { name: 'nope' })).rejects.toMatchObject({ code: 'E_SCHEMA', message: expect.stringContaining('no example named "nope"') });
      const { examples } = await client.call('examples.list', {});
      expect(examples.length).toBeGreaterThan(20);
    } finally {
      client.close();
    }
  });

  it('never follows a name outside its own folder, even one the listing could not produce', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ndis-lab-examples-'));
    try {
      fs.mkdirSync(path.join(root, 'one'));
      fs.writeFileSync(path.join(root, 'one', 'driver.c'), 'int x;');
      fs.writeFileSync(path.join(root, 'one', 'bench.json'), '{ not json');
      fs.mkdirSync(path.join(root, 'docs'));
      fs.writeFileSync(path.join(root, 'docs', 'README.md'), '# no sources here');
      const library = new ExampleLibrary(root);
      expect((await library.list()).map((e) => e.name)).toEqual(['one']);
      expect((await library.list())[0]!.title).toBe('one');
      await expect(library.get('docs')).rejects.toThrow('no example named "docs"');
      await expect(library.get('one')).rejects.toThrow('one/bench.json is not valid JSON');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('readmeTitle', () => {
  it('takes the first heading, else the first line without Markdown marks', () => {
    expect(readmeTitle('intro\n\n## Title `x`\n# Later', 'f')).toBe('Title x');
    expect(readmeTitle('`HALT-LEAK` — violates **HALT-LEAK** at `driver.c:1`', 'f')).toBe('HALT-LEAK — violates HALT-LEAK at driver.c:1');
    expect(readmeTitle('', 'fallback')).toBe('fallback');
    expect(readmeTitle('x'.repeat(300), 'f')).toHaveLength(158);
  });
});
