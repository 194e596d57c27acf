import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectNameProblem } from '../../src-shared/contract';
import { LabClient } from '../../src-shared/rpc';
import type { HostDialogs } from './host-dialogs';
import { LabEngine } from './lab-engine';
import { LabServer } from './lab-server';
import { MemoryTransport } from './memory-transport';
import { resolveProjectRef, updateRecent } from './projects';
import { resourcesDir } from './resources';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ndis-lab-projects-'));
const examples = path.join(resourcesDir(), 'examples');

describe('project names and refs', () => {
  it('accepts plain folder names and says what is wrong with the others', () => {
    for (const ok of ['my-driver', 'LabNIC 2', 'a', 'v1.2_final']) expect(projectNameProblem(ok), ok).toBeUndefined();
    expect(projectNameProblem('')).toBe('a project needs a name');
    expect(projectNameProblem('..')).toBe('a project name may not contain ".."');
    expect(projectNameProblem('a/../b')).toBe('a project name may not contain ".."');
    expect(projectNameProblem('a/b')).toBe('a project name is one folder name: no / or \\');
    expect(projectNameProblem('a\\b')).toBe('a project name is one folder name: no / or \\');
    expect(projectNameProblem('.hidden')).toBe('a project name starts with a letter or a digit');
    expect(projectNameProblem('semi;colon')).toBe('a project name may use letters, digits, space, _ . and - only');
    expect(projectNameProblem('trailing.')).toBe('a project name may not end with a space or a dot');
    expect(projectNameProblem('CON')).toBe('"CON" is a reserved device name on Windows');
    expect(projectNameProblem('x'.repeat(65))).toBe('a project name is at most 64 characters');
  });

  it('resolves names inside the workspace; paths only on the desktop and only when chosen in a dialog', () => {
    const workspace = path.join(tmp, 'ws');
    const web = { workspace, dialogs: false, granted: new Set<string>() };
    expect(resolveProjectRef('my-driver', web)).toBe(path.join(workspace, 'my-driver'));
    expect(() => resolveProjectRef('../outside', web)).toThrow('not a project name: "../outside" (a project name may not contain "..")');
    expect(() => resolveProjectRef('/etc', web)).toThrow(`this host opens projects in its workspace only (${workspace}); "/etc" is a path, not a project name`);
    const chosen = path.join(tmp, 'chosen');
    const desktop = { workspace, dialogs: true, granted: new Set([chosen]) };
    expect(resolveProjectRef(chosen, desktop)).toBe(chosen);
    expect(resolveProjectRef(`${chosen}/`, desktop)).toBe(chosen);
    expect(() => resolveProjectRef('/etc', desktop)).toThrow('/etc was not chosen in a dialog: open it with Open… first');
    expect(() => resolveProjectRef(`${chosen}/../other`, desktop)).toThrow(/was not chosen in a dialog/);
  });

  it('keeps the recent list newest first, without duplicates, at most 10', () => {
    const entry = (n: number) => ({ ref: `p${n}`, name: `p${n}`, location: `/w/p${n}`, openedAt: n });
    let list = [entry(1), entry(2), entry(3)];
    list = updateRecent(list, { ...entry(2), openedAt: 9 });
    expect(list.map((e) => e.ref)).toEqual(['p2', 'p1', 'p3']);
    for (let n = 4; n < 20; n++) list = updateRecent(list, entry(n));
    expect(list).toHaveLength(10);
    expect(list[0]!.ref).toBe('p19');
  });
});

describe('projects in the web host’s workspace, through the contract', () => {
  const workspace = path.join(tmp, 'workspace');
  const engine = new LabEngine({ host: 'memory', heartbeatMs: 0, projects: { workspace } });
  const client = LabClient.connect(new MemoryTransport(new LabServer(engine)));
  afterAll(async () => {
    (await client).close();
    engine.dispose();
  });

  it('a new project is a copy of the example’s folder: sources, README, bench.json', async () => {
    const c = await client;
    const project = await c.call('project.create', { name: 'my-labnic', template: 'labnic-miniport' });
    expect(project.ref).toBe('my-labnic');
    expect(project.location).toBe(path.join(workspace, 'my-labnic'));
    const source = path.join(examples, 'labnic-miniport');
    expect(fs.readdirSync(project.location).sort()).toEqual(fs.readdirSync(source).sort());
    expect(project.files['adapter.c']).toBe(fs.readFileSync(path.join(source, 'adapter.c'), 'utf8'));
    expect(project.bench).toEqual(JSON.parse(fs.readFileSync(path.join(source, 'bench.json'), 'utf8')));
    await expect(c.call('project.create', { name: 'my-labnic', template: 'virtual-miniport' })).rejects.toThrow('a project named "my-labnic" exists in the workspace already');
    await expect(c.call('project.create', { name: 'x', template: 'no-such-example' })).rejects.toThrow('no example named "no-such-example"');
    await expect(c.call('project.create', { name: '../escape', template: 'virtual-miniport' })).rejects.toThrow(/input\.name: a project name may not contain "\.\."/);
    expect(fs.existsSync(path.join(tmp, 'escape'))).toBe(false);
  });

  it('saves edits into the folder and opens them again; bad paths are refused before anything is written', async () => {
    const c = await client;
    const opened = (await c.call('project.open', { ref: 'my-labnic' })).project!;
    const edited = { ...opened.files, 'adapter.c': `${opened.files['adapter.c']}\n/* edited */\n`, 'extra/regs.h': '#define X 1\n' };
    const saved = await c.call('project.save', { ref: 'my-labnic', files: edited, bench: { ...opened.bench, registry: { MSISupported: 0 } } });
    expect(saved.written).toEqual(['adapter.c', 'datapath.c', 'driver.h', 'extra/regs.h', 'hardware.c', 'interrupt.c', 'miniport.c', 'oid.c', 'bench.json']);
    const again = (await c.call('project.open', { ref: 'my-labnic' })).project!;
    expect(again.files).toEqual(edited);
    expect(again.bench?.registry).toEqual({ MSISupported: 0 });
    expect(again.savedAt).toBeGreaterThanOrEqual(opened.savedAt);
    await expect(c.call('project.save', { ref: 'my-labnic', files: { '../evil.c': 'x' } })).rejects.toThrow(/cannot save the project: files\.\.\.\/evil\.c: a relative path/);
    await expect(c.call('project.save', { ref: 'my-labnic', files: { 'notes.txt': 'x', 'a.c': '' } })).rejects.toThrow(/files\.notes\.txt/);
    expect(fs.existsSync(path.join(workspace, 'evil.c'))).toBe(false);
    await expect(c.call('project.save', { ref: '/tmp', files: edited })).rejects.toThrow(/opens projects in its workspace only/);
    await expect(c.call('project.open', {})).rejects.toThrow('this host has no folder dialog: name a project of the workspace');
    await expect(c.call('project.open', { ref: 'nothing-here' })).rejects.toThrow(`no project folder ${path.join(workspace, 'nothing-here')}`);
  });

  it('save as makes a new workspace project and refuses a name in use', async () => {
    const c = await client;
    const project = (await c.call('project.saveAs', { name: 'copy', files: { 'driver.c': 'int a;\n' } })).project!;
    expect(project).toMatchObject({ ref: 'copy', name: 'copy', files: { 'driver.c': 'int a;\n' } });
    expect(fs.readFileSync(path.join(workspace, 'copy', 'driver.c'), 'utf8')).toBe('int a;\n');
    await expect(c.call('project.saveAs', { name: 'copy', files: { 'driver.c': '' } })).rejects.toThrow('a project named "copy" exists in the workspace already: choose another name');
    await expect(c.call('project.saveAs', { name: 'nosource', files: { 'driver.h': '' } })).rejects.toThrow(/a project needs at least one \.c file/);
    expect(fs.existsSync(path.join(workspace, 'nosource'))).toBe(false);
    await expect(c.call('project.saveAs', { files: { 'driver.c': '' } })).rejects.toThrow('this host has no folder dialog: give the new project a name');
  });

  it('lists the workspace and the recent projects, newest first, marking folders that are gone', async () => {
    const c = await client;
    const { workspace: where, dialogs, projects } = await c.call('project.list', {});
    expect(where).toBe(workspace);
    expect(dialogs).toBe(false);
    expect(projects.map((p) => [p.name, p.files])).toEqual([['copy', 1], ['my-labnic', 8]]);
    let recent = (await c.call('project.recent', {})).projects;
    expect(recent.map((p) => p.ref)).toEqual(['copy', 'my-labnic']);
    fs.rmSync(path.join(workspace, 'copy'), { recursive: true });
    recent = (await c.call('project.recent', {})).projects;
    expect(recent.map((p) => [p.ref, p.missing])).toEqual([['copy', true], ['my-labnic', false]]);
  });

  it('a damaged recent list is a clear error, and the next open writes a new one', async () => {
    const c = await client;
    const file = path.join(workspace, '.ndis-lab', 'recent.json');
    fs.writeFileSync(file, '{ not json');
    await expect(c.call('project.recent', {})).rejects.toThrow(`the recent-projects list ${file} is not valid JSON`);
    await c.call('project.open', { ref: 'my-labnic' });
    expect((await c.call('project.recent', {})).projects.map((p) => p.ref)).toEqual(['my-labnic']);
  });

  it('keeps each window’s autosave and gives it back; a damaged one is a clear error', async () => {
    const c = await client;
    expect((await c.call('project.restore', { client: 'window-aaaa' })).slot).toBeNull();
    const slot = { ref: 'my-labnic', name: 'my-labnic', files: { 'driver.c': 'int unsaved;\n' }, dirty: true, activeFile: 'driver.c' };
    const { savedAt } = await c.call('project.autosave', { client: 'window-aaaa', slot });
    expect((await c.call('project.restore', { client: 'window-aaaa' })).slot).toEqual({ ...slot, savedAt });
    expect((await c.call('project.restore', { client: 'window-bbbb' })).slot).toBeNull();
    await expect(c.call('project.restore', { client: '../../etc/passwd' })).rejects.toThrow(/input\.client: a client id/);
    fs.writeFileSync(path.join(workspace, '.ndis-lab', 'autosave', 'window-aaaa.json'), JSON.stringify({ ref: 3 }));
    await expect(c.call('project.restore', { client: 'window-aaaa' })).rejects.toThrow(/the autosave .*window-aaaa\.json is not valid: ref:/);
  });
});

describe('projects anywhere, through the desktop app’s folder dialogs', () => {
  it('opens and saves folders the user chose, and nothing else', async () => {
    const chosen = path.join(tmp, 'elsewhere', 'driver-folder');
    fs.mkdirSync(chosen, { recursive: true });
    fs.writeFileSync(path.join(chosen, 'main.c'), 'int main_c;\n');
    const answers: Array<string | undefined> = [chosen, undefined, path.join(tmp, 'elsewhere', 'saved-here')];
    // The desktop host's folder dialog stands in here: it answers with the folder the user picked.
    const dialogs: HostDialogs = { chooseFolder: () => Promise.resolve(answers.shift()), chooseSaveFile: () => Promise.resolve(undefined) };
    const engine = new LabEngine({ host: 'memory', heartbeatMs: 0, dialogs, projects: { workspace: path.join(tmp, 'desktop-ws') } });
    const c = await LabClient.connect(new MemoryTransport(new LabServer(engine)));
    try {
      const opened = (await c.call('project.open', {})).project!;
      expect(opened).toMatchObject({ ref: chosen, name: 'driver-folder', files: { 'main.c': 'int main_c;\n' } });
      await c.call('project.save', { ref: chosen, files: { 'main.c': 'int changed;\n' } });
      expect(fs.readFileSync(path.join(chosen, 'main.c'), 'utf8')).toBe('int changed;\n');
      expect((await c.call('project.open', {})).project).toBeNull();
      await expect(c.call('project.open', { ref: path.join(tmp, 'elsewhere') })).rejects.toThrow(/was not chosen in a dialog/);
      const saved = (await c.call('project.saveAs', { files: { 'a.c': 'int a;\n' } })).project!;
      expect(saved.ref).toBe(path.join(tmp, 'elsewhere', 'saved-here'));
      expect((await c.call('project.list', {})).dialogs).toBe(true);
      expect((await c.call('project.recent', {})).projects.map((p) => p.ref)).toEqual([saved.ref, chosen]);
    } finally {
      c.close();
      engine.dispose();
    }
    // A new session of the app may open what the recent list holds, still nothing else.
    const later = new LabEngine({ host: 'memory', heartbeatMs: 0, dialogs, projects: { workspace: path.join(tmp, 'desktop-ws') } });
    try {
      expect((await later.handlers['project.open']({ ref: chosen })).project?.files).toEqual({ 'main.c': 'int changed;\n' });
      await expect(Promise.resolve().then(() => later.handlers['project.open']({ ref: '/etc' }))).rejects.toThrow(/was not chosen in a dialog/);
    } finally {
      later.dispose();
    }
  });
});
