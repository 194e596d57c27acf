import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { EXPORT_CHUNK_BYTES, LabError, type ExportFormat, type ExportSaveOutput } from '../../../src-shared/contract';
import type { SessionLogEnd, SessionLogHeader } from '../../../src-shared/contract/session-log';
import { SessionLogReader } from '../../../src-shared/session/log-reader';
import { SessionReplay } from '../../../src-shared/session/replay';
import { renderHtmlReport } from '../../../src-shared/session/report-html';
import type { HostDialogs } from '../host-dialogs';
import { KEEP_RUNS, type Recording, type RunRecordings } from './recording';

const FORMATS: Record<ExportFormat, { extension: string; mime: string; filter: string }> = {
  ndjson: { extension: 'ndjson', mime: 'application/x-ndjson', filter: 'NDIS Lab session log' },
  pcap: { extension: 'pcap', mime: 'application/vnd.tcpdump.pcap', filter: 'Packet capture' },
  html: { extension: 'html', mime: 'text/html', filter: 'HTML report' },
};

/** Downloads prepared for a browser, kept until this many newer ones exist. */
const KEEP_DOWNLOADS = 16;

function refused(message: string): LabError {
  return new LabError({ code: 'E_SCHEMA', message, issues: [{ path: 'input.runId', message }] });
}

/** A file name's base from a project name: letters, digits, dot, dash and underscore. */
export function exportBaseName(name: string | undefined): string {
  const cleaned = (name ?? '').replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '').slice(0, 60);
  return cleaned || 'driver';
}

/**
 * Reads a recorded session log from disk and writes its HTML report: streamed line by line, so a
 * long run's log is never held in memory whole.
 */
export async function writeHtmlReport(ndjsonPath: string, htmlPath: string, generator: string): Promise<void> {
  const reader = new SessionLogReader({ source: ndjsonPath, validate: false });
  const replay = new SessionReplay();
  let header: SessionLogHeader | undefined;
  let end: SessionLogEnd | undefined;
  let runs = 0;
  const take = (records: ReturnType<SessionLogReader['push']>): void => {
    for (const record of records) {
      if (record.type === 'header') header = record.header;
      else if (record.type === 'end') end = record.end;
      else {
        if (record.event.kind === 'run.started') runs++;
        // A log of several runs (systematic fault injection) is reported by its first.
        if (runs <= 1) replay.apply(record.event);
      }
    }
  };
  for await (const chunk of fs.createReadStream(ndjsonPath, { encoding: 'utf8', highWaterMark: 1 << 20 })) take(reader.push(chunk as string));
  take(reader.finish());
  const html = renderHtmlReport({ header: header!, run: replay.state(), end, generator, ...(runs > 1 ? { moreRuns: runs - 1 } : {}) });
  const temporary = `${htmlPath}.tmp`;
  await fsp.writeFile(temporary, html, 'utf8');
  await fsp.rename(temporary, htmlPath);
}

interface Download {
  path: string;
  bytes: number;
}

/**
 * Exports of recorded runs: the NDJSON log and the pcap as recorded, the HTML report written from
 * the log on first request. Where the host has a save dialog the file is copied where the user
 * says; otherwise it is handed out in chunks for the browser to download.
 */
export class ExportService {
  private readonly downloads = new Map<string, Download>();
  private nextDownload = 1;

  constructor(
    private readonly recordings: RunRecordings,
    private readonly options: { dialogs?: HostDialogs | undefined; generator: string; isActive(runId: string): boolean },
  ) {}

  async save(runId: string, format: ExportFormat, name?: string): Promise<ExportSaveOutput> {
    const recording = await this.ended(runId);
    const file = format === 'ndjson' ? recording.ndjson : format === 'pcap' ? recording.pcap : await this.report(recording);
    const { extension, mime, filter } = FORMATS[format];
    const fileName = `${exportBaseName(name ?? recording.header.driver)}-${runId}.${extension}`;
    const bytes = (await fsp.stat(file)).size;
    const dialogs = this.options.dialogs;
    if (dialogs) {
      const target = await dialogs.chooseSaveFile({ title: `Export ${runId} as ${filter.toLowerCase()}`, defaultPath: fileName, filters: [{ name: filter, extensions: [extension] }] });
      if (!target) return { mode: 'cancelled' };
      await fsp.copyFile(file, target);
      return { mode: 'saved', path: target, bytes };
    }
    const exportId = `dl-${this.nextDownload++}`;
    this.downloads.set(exportId, { path: file, bytes });
    for (const id of [...this.downloads.keys()].slice(0, Math.max(0, this.downloads.size - KEEP_DOWNLOADS))) this.downloads.delete(id);
    return { mode: 'download', exportId, fileName, mime, bytes };
  }

  /** The chunk of a prepared download at `offset`, base64. */
  async read(exportId: string, offset: number): Promise<{ data: string; offset: number; bytes: number; done: boolean }> {
    const download = this.downloads.get(exportId);
    if (!download) throw new LabError({ code: 'E_SCHEMA', message: `no download ${exportId} (prepare one with export.save; the last ${KEEP_DOWNLOADS} are kept)`, issues: [{ path: 'input.exportId', message: 'unknown download' }] });
    if (offset > download.bytes) throw new LabError({ code: 'E_SCHEMA', message: `offset ${offset} is past the end of ${exportId} (${download.bytes} bytes)`, issues: [{ path: 'input.offset', message: 'past the end' }] });
    const length = Math.min(EXPORT_CHUNK_BYTES, download.bytes - offset);
    const buffer = Buffer.alloc(length);
    const handle = await fsp.open(download.path, 'r');
    try {
      let read = 0;
      while (read < length) {
        const { bytesRead } = await handle.read(buffer, read, length - read, offset + read);
        if (bytesRead === 0) break;
        read += bytesRead;
      }
      return { data: buffer.subarray(0, read).toString('base64'), offset, bytes: read, done: offset + read >= download.bytes };
    } finally {
      await handle.close();
    }
  }

  /** The run's recording once its end record is written; a clear refusal otherwise. */
  private async ended(runId: string): Promise<Recording> {
    const recording = this.recordings.get(runId);
    if (!recording) throw refused(`no recording of ${runId}: the engine keeps the recordings of its last ${KEEP_RUNS} runs`);
    if (this.options.isActive(runId)) throw refused(`${runId} is still running: export it once it has finished or been stopped`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), 10_000)));
    const outcome = await Promise.race([recording.ended.then(() => 'ended' as const), timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') throw new LabError({ code: 'E_INTERNAL', message: `the recording of ${runId} was not closed within 10 s of the run's end` });
    if (recording.error) throw new LabError({ code: 'E_INTERNAL', message: `the recording of ${runId} is incomplete: ${recording.error}` });
    return recording;
  }

  private async report(recording: Recording): Promise<string> {
    const target = this.recordings.companion(recording.runId, 'html');
    if (!fs.existsSync(target)) await writeHtmlReport(recording.ndjson, target, this.options.generator);
    return target;
  }
}
