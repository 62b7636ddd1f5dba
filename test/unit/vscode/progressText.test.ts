// Progress as text, for every phase, rate and time left: the core's byte and time formatting, the CLI's line and
// the extension's status bar / notification wording (its host-free part, with an l10n that fills in the
// arguments as vscode.l10n.t does when no translation is installed).
import assert from 'node:assert/strict';
import { formatBytes, formatDuration, type PullProgress } from '../../../src/core/pull/progress';
import { progressLine } from '../../../src/cli/render';
import {
  combineProgress,
  describeNotification,
  describePhase,
  describeProgress,
  type ProgressWords,
} from '../../../src/vscode/progress/describe';

const words: ProgressWords = {
  l10n: { t: (message, ...args) => message.replace(/\{(\d+)\}/g, (_, index) => String(args[Number(index)])) },
  language: 'en-US',
};

function progress(fields: Partial<PullProgress> & Pick<PullProgress, 'phase'>): PullProgress {
  return { bytesDownloaded: 0, filesDone: 0, bytesPerSecond: 0, ...fields };
}

/** The same moments, as the CLI and the status bar show them. */
const MOMENTS: {
  label: string;
  progress: PullProgress;
  cli: string;
  statusBar: string;
  phase: string;
  /** The notification's message, under its title "Box: downloading X" (so never "Downloading" again). */
  notification: string;
}[] = [
  {
    label: 'preparing',
    progress: progress({ phase: 'preparing', fraction: 0 }),
    cli: 'Box 0% preparing · 0 B',
    statusBar: 'preparing…',
    phase: 'Asking Box to prepare the download…',
    notification: 'preparing…',
  },
  {
    label: 'listing a large folder before anything downloads',
    progress: progress({ phase: 'preparing', fraction: 0, foldersListed: 1412 }),
    cli: 'Listing… 1,412 folders',
    statusBar: 'Listing… 1,412 folders',
    phase: 'Listing the folder on Box…',
    notification: 'Listing… 1,412 folders',
  },
  {
    label: 'downloading at a rate with absurd decimals, hours left',
    progress: progress({
      phase: 'downloading',
      fraction: 0.118,
      bytesDownloaded: 1_234_567,
      totalFiles: 5000,
      bytesPerSecond: 129.63732629186376,
      etaSeconds: 36_000 + 2 * 60 + 3.4,
    }),
    cli: 'Box 11% downloading · 5,000 files · 1.2 MB · 130 B/s · 10:02:03 left',
    statusBar: '11% · 0/5,000 files · 130 B/s · 10:02:03 left',
    phase: 'Downloading',
    notification: '11% · 0/5,000 files · 130 B/s · 10:02:03 left',
  },
  {
    label: 'downloading with unknown totals (no size, no file count, no rate yet)',
    progress: progress({ phase: 'downloading', bytesDownloaded: 999_999 }),
    cli: 'Box downloading · 1.0 MB',
    statusBar: '1.0 MB',
    phase: 'Downloading',
    notification: '1.0 MB',
  },
  {
    label: 'downloading again after a cut stream, the fraction held',
    progress: progress({
      phase: 'downloading',
      fraction: 0.118,
      attempt: 2,
      bytesDownloaded: 64_000,
      bytesPerSecond: 12_345_678.9,
      etaSeconds: 41,
    }),
    cli: 'Box 11% downloading · retrying (attempt 2) · 64 KB · 12 MB/s · 0:41 left',
    statusBar: '11% · retrying (attempt 2) · 64 KB · 12 MB/s · 0:41 left',
    phase: 'Downloading',
    notification: '11% · retrying (attempt 2) · 64 KB · 12 MB/s · 0:41 left',
  },
  {
    label: 'less than a second left: no ETA in the status bar',
    progress: progress({
      phase: 'downloading',
      fraction: 0.79,
      bytesDownloaded: 5_000,
      bytesPerSecond: 1_000,
      etaSeconds: 0.4,
    }),
    cli: 'Box 79% downloading · 5.0 KB · 1.0 KB/s',
    statusBar: '79% · 5.0 KB · 1.0 KB/s',
    phase: 'Downloading',
    notification: '79% · 5.0 KB · 1.0 KB/s',
  },
  {
    label: 'a silent connection: stalled, no speed, no time left',
    progress: progress({
      phase: 'downloading',
      fraction: 0.04,
      bytesDownloaded: 3_400_000,
      totalFiles: 1225,
      bytesPerSecond: 0,
      stalledSeconds: 75,
    }),
    cli: 'Box 4% downloading · stalled 1:15 · 1,225 files · 3.4 MB',
    statusBar: '4% · stalled 1:15 · 0/1,225 files',
    phase: 'Downloading',
    notification: '4% · stalled 1:15 · 0/1,225 files',
  },
  {
    label: 'a fresh ZIP after a stall, out of the attempts the pull allows',
    progress: progress({
      phase: 'downloading',
      fraction: 0.04,
      attempt: 2,
      maxAttempts: 3,
      bytesDownloaded: 2_000,
      bytesPerSecond: 1_500_000,
      etaSeconds: 9,
    }),
    cli: 'Box 4% downloading · retrying (2/3) · 2.0 KB · 1.5 MB/s · 0:09 left',
    statusBar: '4% · retrying (2/3) · 2.0 KB · 1.5 MB/s · 0:09 left',
    phase: 'Downloading',
    notification: '4% · retrying (2/3) · 2.0 KB · 1.5 MB/s · 0:09 left',
  },
  {
    label: 'extracting, zero files in all',
    progress: progress({ phase: 'extracting', fraction: 0.8, bytesDownloaded: 22, totalFiles: 0 }),
    cli: 'Box 80% extracting · 0/0 files · 22 B',
    statusBar: '80% · 0/0 files',
    phase: 'Extracting',
    notification: 'Extracting · 80% · 0/0 files',
  },
  {
    label: 'placing thousands of files',
    progress: progress({
      phase: 'placing',
      fraction: 0.9999,
      bytesDownloaded: 9_876_543_210,
      filesDone: 1204,
      totalFiles: 5000,
    }),
    cli: 'Box 99% placing · 1,204/5,000 files · 9.9 GB',
    statusBar: '99% · 1,204/5,000 files',
    phase: 'Moving files into place',
    notification: 'Moving files into place · 99% · 1,204/5,000 files',
  },
  {
    label: 'done, 100 %, even after a retry',
    progress: progress({
      phase: 'done',
      fraction: 1,
      attempt: 3,
      bytesDownloaded: 1000,
      filesDone: 3,
      totalFiles: 3,
      etaSeconds: 0,
    }),
    cli: 'Box 100% done · 3/3 files · 1.0 KB',
    statusBar: '100% · 3/3 files',
    phase: 'Done',
    notification: 'Done · 100% · 3/3 files',
  },
];

describe('progress formatting', () => {
  describe('formatBytes', () => {
    const cases: [number, string][] = [
      [0, '0 B'],
      [1, '1 B'],
      [129.63732629186376, '130 B'],
      [999.4, '999 B'],
      [999.6, '1.0 KB'],
      [1000, '1.0 KB'],
      [1234, '1.2 KB'],
      [9_949, '9.9 KB'],
      [9_960, '10 KB'],
      [340_000, '340 KB'],
      [999_999, '1.0 MB'],
      [12_345_678.9, '12 MB'],
      [1.5e12, '1.5 TB'],
      [2.5e15, '2500 TB'],
      [Number.NaN, '0 B'],
      [-5, '0 B'],
    ];
    for (const [bytes, text] of cases) {
      it(`${bytes} → ${text}`, () => assert.equal(formatBytes(bytes), text));
    }
  });

  describe('formatDuration', () => {
    const cases: [number, string][] = [
      [0, '0:00'],
      [0.4, '0:00'],
      [41, '0:41'],
      [59.6, '1:00'],
      [600, '10:00'],
      [3599.5, '1:00:00'],
      [3723, '1:02:03'],
      [100_000, '27:46:40'],
      [-3, '0:00'],
      [Number.POSITIVE_INFINITY, '-:--'],
      [Number.NaN, '-:--'],
    ];
    for (const [seconds, text] of cases) {
      it(`${seconds} s → ${text}`, () => assert.equal(formatDuration(seconds), text));
    }
  });

  for (const moment of MOMENTS) {
    describe(moment.label, () => {
      it('CLI line', () => assert.equal(progressLine(moment.progress), moment.cli));
      it('status bar', () => assert.equal(describeProgress(moment.progress, words), moment.statusBar));
      it('notification phase', () => assert.equal(describePhase(moment.progress, words), moment.phase));
      it('notification message', () =>
        assert.equal(describeNotification(moment.progress, words), moment.notification));
    });
  }

  it('the status bar before any progress says it is preparing', () => {
    assert.equal(describeProgress(undefined, words), 'preparing…');
    assert.equal(describePhase(undefined, words), 'Asking Box to prepare the download…');
  });

  it('an endless ETA is not shown as NaN by either front end', () => {
    const endless = progress({
      phase: 'downloading',
      fraction: 0.5,
      bytesDownloaded: 10,
      bytesPerSecond: 1,
      etaSeconds: Number.POSITIVE_INFINITY,
    });
    assert.equal(progressLine(endless), 'Box 50% downloading · 10 B · 1 B/s');
    const listing: PullProgress = { phase: 'preparing', bytesDownloaded: 0, filesDone: 0, bytesPerSecond: 0 };
    assert.equal(progressLine({ ...listing, foldersListed: 1412 }), 'Listing… 1,412 folders');
    assert.equal(progressLine({ ...listing, foldersListed: 1 }), 'Listing… 1 folder');
    assert.equal(describeProgress(endless, words), '50% · 10 B · 1 B/s');
  });

  describe('combineProgress (several downloads in one status bar)', () => {
    it('sums counts and rates, averages the fraction, takes the longest ETA and the highest attempt', () => {
      const combined = combineProgress([
        progress({
          phase: 'downloading',
          fraction: 0.2,
          bytesDownloaded: 100,
          filesDone: 1,
          totalFiles: 10,
          bytesPerSecond: 50,
          etaSeconds: 30,
        }),
        progress({
          phase: 'extracting',
          fraction: 0.9,
          attempt: 2,
          bytesDownloaded: 900,
          filesDone: 4,
          totalFiles: 5,
          bytesPerSecond: 0,
          etaSeconds: 4000,
        }),
      ]);
      assert.deepEqual(combined, {
        phase: 'downloading',
        bytesDownloaded: 1000,
        filesDone: 5,
        totalFiles: 15,
        bytesPerSecond: 50,
        fraction: 0.55,
        etaSeconds: 4000,
        attempt: 2,
      });
      assert.equal(
        describeProgress(combined, words),
        '55% · retrying (attempt 2) · 5/15 files · 50 B/s · 1:06:40 left',
      );
    });

    it('drops totals, fraction and ETA that not every download knows', () => {
      const combined = combineProgress([
        progress({
          phase: 'downloading',
          fraction: 0.2,
          bytesDownloaded: 100,
          totalFiles: 10,
          etaSeconds: 3,
        }),
        progress({ phase: 'downloading', bytesDownloaded: 50 }),
        undefined,
      ]);
      assert.equal(combined?.totalFiles, undefined);
      assert.equal(combined?.fraction, undefined);
      assert.equal(combined?.etaSeconds, undefined);
      assert.equal(describeProgress(combined, words), '150 B');
    });

    it('is nothing while every download is still preparing, and one download as it is', () => {
      assert.equal(combineProgress([undefined, progress({ phase: 'preparing' })]), undefined);
      const one = progress({ phase: 'extracting', fraction: 0.85 });
      assert.equal(combineProgress([one]), one);
    });

    it('while listing, the folders listed so far (summed), singular for one', () => {
      const listing = progress({ phase: 'preparing', foldersListed: 412 });
      assert.equal(describeProgress(combineProgress([listing]), words), 'Listing… 412 folders');
      const two = combineProgress([listing, progress({ phase: 'preparing', foldersListed: 88 }), undefined]);
      assert.equal(describeProgress(two, words), 'Listing… 500 folders');
      const first = progress({ phase: 'preparing', foldersListed: 1 });
      assert.equal(describeProgress(first, words), 'Listing… 1 folder');
      // Past the listing, the count stays in the counters but the download's own words take over.
      const after = progress({ phase: 'downloading', foldersListed: 412, bytesDownloaded: 2000 });
      assert.equal(describeProgress(combineProgress([after, listing]), words), '2.0 KB');
    });
  });
});
