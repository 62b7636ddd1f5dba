// ZIP download jobs: opaque ids, lifetimes, counters and the state machine behind the status URL.
import { randomBytes } from 'node:crypto';

/** Status URLs stay valid for 12 hours after the download started (spec). */
const STATUS_TTL_MS = 12 * 3600 * 1000;

export interface ZipRequestItem {
  type: 'file' | 'folder';
  id: string;
  relPath: string;
  /** Name of the item at the top level of the archive (renamed on a name conflict). */
  downloadName: string;
}

export type ZipState = 'in_progress' | 'failed' | 'succeeded';

export interface ZipJob {
  id: string;
  items: ZipRequestItem[];
  fileName: string;
  expiresAt: number;
  startedAt?: number;
  /** Set when the stream ended (completed, cut or aborted). */
  endedState?: Exclude<ZipState, 'in_progress'>;
  /** Polls left that still report `in_progress` after the end (faults.statusInProgressPolls). */
  lagPolls: number;
  totalFiles: number;
  downloadedFiles: number;
  skippedFiles: number;
  skippedFolders: number;
}

/** Looks like Box's ids (`29l00nfxDyHOt7RphI9zT_w==nDnZ...X_yY=`): always contains `=`, `-` and `_`. */
function opaqueId(): string {
  const part = (bytes: number) => randomBytes(bytes).toString('base64url');
  return `${part(16)}_w==${part(24)}-${part(6)}_${part(3)}=`;
}

export class ZipStore {
  private readonly jobs = new Map<string, ZipJob>();
  activeDownloads = 0;

  constructor(private readonly now: () => number) {}

  create(items: ZipRequestItem[], fileName: string, ttlSeconds: number): ZipJob {
    const job: ZipJob = {
      id: opaqueId(),
      items,
      fileName,
      // Whole seconds, like the `expires_at` Box returns.
      expiresAt: Math.floor(this.now() / 1000) * 1000 + ttlSeconds * 1000,
      lagPolls: 0,
      totalFiles: 0,
      downloadedFiles: 0,
      skippedFiles: 0,
      skippedFolders: 0,
    };
    this.jobs.set(job.id, job);
    return job;
  }

  /** A job whose download URL may still be used: known, never started, not expired. */
  startable(id: string): ZipJob | undefined {
    const job = this.jobs.get(id);
    if (!job || job.startedAt !== undefined || this.now() > job.expiresAt) return undefined;
    return job;
  }

  /** A job whose status may be read: started less than 12 hours ago. */
  statusOf(id: string): ZipJob | undefined {
    const job = this.jobs.get(id);
    if (!job || job.startedAt === undefined || this.now() > job.startedAt + STATUS_TTL_MS) return undefined;
    return job;
  }

  /** The state a poll reports; consumes one lag poll if the stream already ended. */
  pollState(job: ZipJob): ZipState {
    if (!job.endedState) return 'in_progress';
    if (job.lagPolls > 0) {
      job.lagPolls--;
      return 'in_progress';
    }
    return job.endedState;
  }
}
