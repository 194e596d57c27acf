/** Base64 (what export.read returns) to bytes. */
export function base64ToBytes(data: string): Uint8Array<ArrayBuffer> {
  const binary = atob(data);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export interface ExportChunk {
  data: string;
  offset: number;
  bytes: number;
  done: boolean;
}

/**
 * Reads a prepared export chunk by chunk from the engine, in order, checking each chunk starts
 * where the last ended and the total is what export.save announced.
 */
export async function readChunks(read: (offset: number) => Promise<ExportChunk>, total: number, onProgress?: (done: number) => void): Promise<Uint8Array<ArrayBuffer>[]> {
  const parts: Uint8Array<ArrayBuffer>[] = [];
  let offset = 0;
  for (;;) {
    const chunk = await read(offset);
    if (chunk.offset !== offset) throw new Error(`the export came back out of order: a chunk at byte ${chunk.offset}, expected ${offset}`);
    const bytes = base64ToBytes(chunk.data);
    if (bytes.length !== chunk.bytes) throw new Error(`a chunk of the export at byte ${offset} holds ${bytes.length} bytes, not the ${chunk.bytes} announced`);
    parts.push(bytes);
    offset += bytes.length;
    onProgress?.(offset);
    if (chunk.done) break;
    if (bytes.length === 0) throw new Error(`the export ended early, at byte ${offset} of ${total}`);
  }
  if (offset !== total) throw new Error(`the export has ${offset} bytes, not the ${total} announced`);
  return parts;
}

/** Hands bytes to the browser as a download (an anchor with `download` on a Blob URL). */
export function downloadBlob(parts: BlobPart[], fileName: string, mime: string): void {
  const url = URL.createObjectURL(new Blob(parts, { type: mime }));
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = fileName;
  anchor.style.display = 'none';
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  // The download has its own reference by now; the URL is not needed after this turn.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
