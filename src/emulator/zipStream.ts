// Produces the archive bytes with yazl, streamed as they are made (never buffered whole). Files are read lazily
// through read streams, so every entry has a data descriptor (general-purpose bit 3), like a streaming server.
import { Readable } from 'node:stream';
import { ZipFile } from 'yazl';
import type { EmulatorClock } from './clock';
import { useNativeCrc32 } from './fastCrc';
import type { EmulatorFaults } from './options';
import { Prefetcher } from './prefetch';
import type { ArchiveEntry } from './zipPlan';

export interface ArchiveStream {
  output: Readable;
  /** Stops reading files and ends the output (client gone or stream cut). */
  abort(): void;
}

useNativeCrc32();

/**
 * `mixed` alternates by file entry: even-numbered entries are deflated, odd-numbered ones stored, so any archive
 * with two or more files exercises both methods.
 */
function compressionFor(
  faults: EmulatorFaults,
  fileIndex: number,
): { compress: boolean; compressionLevel?: number } {
  const deflate =
    faults.zipCompression === 'deflate' || (faults.zipCompression === 'mixed' && fileIndex % 2 === 0);
  if (!deflate || faults.compressionLevel === 0) return { compress: false };
  return { compress: true, compressionLevel: faults.compressionLevel };
}

export function createArchiveStream(
  entries: ArchiveEntry[],
  faults: EmulatorFaults,
  clock: EmulatorClock,
  onFileRead: () => void,
): ArchiveStream {
  const zip = new ZipFile();
  const files = entries.filter((entry) => entry.kind === 'file');
  const prefetcher = new Prefetcher(files);
  const open = new Set<Readable>();
  const output = zip.outputStream as Readable;
  const forceZip64Format = faults.forceZip64;
  /** Aborted with the download: cancels entry delays still waiting, so nothing of it runs afterwards. */
  const stop = new AbortController();
  let fileIndex = 0;

  for (const entry of entries) {
    if (entry.kind === 'directory') {
      zip.addEmptyDirectory(entry.archivePath, { mtime: entry.mtime });
      continue;
    }
    const index = fileIndex++;
    const options = {
      mtime: entry.mtime,
      mode: 0o100644,
      forceZip64Format,
      ...compressionFor(faults, index),
    };
    zip.addReadStreamLazy(entry.archivePath, options, (callback) => {
      const openFile = () => {
        // After an abort yazl is simply left waiting: nothing more is opened, and it is garbage collected.
        if (stop.signal.aborted) return;
        const stream = prefetcher.open(index);
        open.add(stream);
        stream.on('end', onFileRead);
        stream.on('close', () => open.delete(stream));
        // yazl pipes the stream and never sees its errors (a file deleted mid-download): fail the archive.
        stream.on('error', (error) => output.destroy(error));
        callback(null, stream);
      };
      // Read the knob per entry so a test can slow a stream down while it runs.
      const delay = faults.entryDelayMs ?? 0;
      if (delay > 0) clock.sleep(delay, stop.signal).then(openFile, () => undefined);
      else openFile();
    });
  }
  zip.end({ forceZip64Format, comment: '' });
  // A file that vanished or failed mid-read breaks the archive: surface it as a stream error.
  zip.on('error', (error: Error) => output.destroy(error));

  return {
    output,
    abort() {
      stop.abort();
      prefetcher.dispose();
      for (const stream of open) stream.destroy();
      output.destroy();
    },
  };
}

/** Fixed bytes in place of a built archive (`faults.servedArchive`): what a hostile or broken server would send. */
export function servedArchiveStream(bytes: Buffer): ArchiveStream {
  // Copied, so that a test changing its buffer after the request cannot change what this download sends.
  const output = Readable.from([Buffer.from(bytes)]);
  return { output, abort: () => output.destroy() };
}
