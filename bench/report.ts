// Renders results as Markdown: the summary tables (also printed to the terminal) and the raw runs.
import { mb, megabytes, ratio, seconds } from './format';
import {
  maxDiskBytes,
  maxRssMb,
  median,
  medianSeconds,
  type BenchResults,
  type Comparison,
  type MemoryResult,
  type PlannedResults,
} from './results';
import type { RunSample } from './timedRun';
import type { UpdateResults } from './updateSuite';

type Row = (string | number)[];

function table(header: string[], rows: Row[]): string {
  const lines = [header, header.map(() => '---'), ...rows.map((row) => row.map(String))];
  return lines.map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

function medianRss(samples: { peakRssMb: number }[]): string {
  return megabytes(median(samples.map((s) => s.peakRssMb)));
}

/** Median user + system CPU, with the median user part beside it where the samples have it. */
function medianCpu(samples: RunSample[]): string {
  const total = seconds(median(samples.map((s) => s.cpuSeconds)));
  const user = samples.map((s) => s.userSeconds).filter((u): u is number => u !== undefined);
  return user.length === samples.length && user.length > 0
    ? `${total} (user ${median(user).toFixed(2)})`
    : total;
}

/** One raw CPU figure: user + system, and the user part where known. */
function rawCpu(sample: RunSample): string {
  const total = sample.cpuSeconds.toFixed(2);
  return sample.userSeconds === undefined ? total : `${total} (${sample.userSeconds.toFixed(2)} u)`;
}

function comparisonTable(comparisons: Comparison[]): string {
  const [first] = comparisons;
  const ours = first.ours.name;
  const baseline = first.baseline.name;
  return table(
    [
      'Corpus',
      'Files',
      'Data',
      'Archive',
      `${ours} median`,
      `${baseline} median`,
      'Ratio',
      'Target',
      `${ours} CPU`,
      `${baseline} CPU`,
      `${ours} RSS`,
      `${baseline} RSS`,
    ],
    comparisons.map((c) => [
      c.label,
      c.files.toLocaleString('en-US'),
      mb(c.totalBytes),
      c.archiveBytes ? mb(c.archiveBytes) : '–',
      seconds(medianSeconds(c.ours)),
      seconds(medianSeconds(c.baseline)),
      `**${ratio(c.ratio)}**`,
      `≤ ${ratio(c.limit)}`,
      medianCpu(c.ours.samples),
      medianCpu(c.baseline.samples),
      medianRss(c.ours.samples),
      medianRss(c.baseline.samples),
    ]),
  );
}

function memoryTable(memory: MemoryResult[]): string {
  return table(
    [
      'Archive',
      'Files',
      'Data',
      'ZIP stream',
      'Median time',
      'Throughput',
      'Peak RSS (max of runs)',
      'Peak temp disk',
      'Archive + extracted',
    ],
    memory.map((m) => {
      const time = median(m.samples.map((s) => s.wallSeconds));
      return [
        m.label,
        m.files.toLocaleString('en-US'),
        mb(m.totalBytes),
        mb(m.archiveBytes),
        seconds(time),
        Number.isFinite(time) ? `${mb(m.archiveBytes / time)}/s` : 'n/a',
        megabytes(maxRssMb(m.samples)),
        mb(maxDiskBytes(m.samples)),
        mb(m.archiveBytes + m.allocatedBytes),
      ];
    }),
  );
}

function updateSections(updates: UpdateResults): string[] {
  const sections: string[] = [];
  const same = (values: number[]) => [...new Set(values)].join(' / ');
  if (updates.rows.length > 0) {
    sections.push(
      '## Pull updates: `box-pull pull` again (an update) vs a full pull (`--full`) of the same folder',
      'Each update run starts from a copy of a pull made before the change (times kept, state file included); the ' +
        'emulator runs in the bench process, the pulls are CLI processes. ZIPs, content downloads and listing ' +
        'requests are the emulator’s counters for each update run (the same in every run unless shown as a / b); ' +
        'bytes are the CLI’s own report of one untimed `--json` update.',
      table(
        [
          'Row',
          'Changed',
          'Update median',
          'Full pull median',
          'Ratio',
          'Target',
          'ZIPs',
          'Content downloads',
          'Listing requests (Σ⌈items/1000⌉)',
          'Bytes downloaded',
          'Update CPU',
          'Full CPU',
          'Update RSS',
          'Full RSS',
        ],
        updates.rows.map((r) => [
          r.row === 'rename' ? r.label : r.row,
          `${r.changed} of ${r.files.toLocaleString('en-US')} files (${mb(r.totalBytes)})`,
          seconds(medianSeconds(r.ours)),
          seconds(medianSeconds(r.baseline)),
          `**${ratio(r.ratio)}**`,
          r.row === 'rename' ? 'no bytes' : `≤ ${ratio(r.limit)}`,
          same(r.zipCreates),
          same(r.contentDownloads),
          `${same(r.listingRequests)} (${r.expectedListingRequests} over ${r.folders} folders)`,
          r.bytesDownloaded.toLocaleString('en-US'),
          medianCpu(r.ours.samples),
          medianCpu(r.baseline.samples),
          medianRss(r.ours.samples),
          medianRss(r.baseline.samples),
        ]),
      ),
    );
  }
  const points = updates.crossover ?? [];
  if (points.length > 0) {
    sections.push(
      '## Update crossover: k changed files by content downloads (3 at a time) vs by ZIPs of file ids',
      'The same update forced each way (`contentDownloadsUpTo`), in the bench process, against emulators in child ' +
        'processes with every API answer delayed by the latency shown; median of the runs, alternating. “Fetch” is ' +
        'the part that differs, from the first download request to the last file fetched (listing, hashing and ' +
        'placing are the same either way); the crossover is read from it.',
      table(
        [
          'Files',
          'Latency',
          'k',
          'Bytes',
          'Update by content',
          'Update by ZIP',
          'Fetch by content',
          'Fetch by ZIP',
          'Fetch content / ZIP',
        ],
        points.map((p) => [
          p.mix,
          `${p.latencyMs} ms`,
          p.k,
          mb(p.bytes),
          `${median(p.contentMs).toFixed(0)} ms`,
          `${median(p.zipMs).toFixed(0)} ms`,
          `${median(p.contentFetchMs).toFixed(0)} ms`,
          `${median(p.zipFetchMs).toFixed(0)} ms`,
          ratio(median(p.contentFetchMs) / median(p.zipFetchMs)),
        ]),
      ),
    );
  }
  return sections;
}

/** The tables only: what the terminal shows at the end of a run. */
export function renderSummary(results: BenchResults): string {
  const sections: string[] = [];
  sections.push(
    '## Targets',
    results.targets.map((t) => `- **${t.verdict}** — ${t.target}: ${t.measured}`).join('\n') ||
      '(none measured)',
  );
  if (results.failures.length > 0) {
    sections.push('## Failed runs', results.failures.map((failure) => `- ${failure}`).join('\n'));
  }
  if (results.extract.length > 0) {
    sections.push(
      '## Extraction: yauzl extractor vs Info-ZIP unzip',
      'Same Info-ZIP archive (default level), each tool a fresh process writing into an empty folder. ' +
        'Times are wall clock from spawn to exit (the ratio compares these); CPU is user + system time of the ' +
        'process tree; RSS is the median of the runs’ peaks.',
      comparisonTable(results.extract),
    );
  }
  if (results.e2e.length > 0) {
    sections.push(
      '## End to end over loopback: `box-pull pull` vs `curl -o a.zip <download_url> && unzip a.zip`',
      'Emulator in a child process; the baseline’s download URL is created before its timer starts.',
      comparisonTable(results.e2e),
    );
  }
  if (results.capped.length > 0) {
    sections.push(
      `## Stretch: stream capped at ${mb(results.cappedBytesPerSecond ?? 0)}/s — pull vs the download alone (curl)`,
      'The cap stands in for the network: it is set below what the emulator can produce on this machine while the ' +
        'pull extracts beside it (about 19 MB/s for this corpus on 2 cores; its deflate takes one core), so that ' +
        'the download, not the CPU the two processes share, is the bottleneck being measured.',
      comparisonTable(results.capped),
    );
  }
  const planned = results.planned;
  if (planned?.overLimit) {
    sections.push(
      `## Over the file limit: \`box-pull pull\` with \`--max-zip-files ${planned.overLimit.maxZipFiles}\` vs the same pull with the limit lifted (one ZIP)`,
      'Two emulators side by side, the same folder; one untimed run of each first (the emulator hashes files on its first listing).',
      comparisonTable([planned.overLimit]),
    );
  }
  if (planned?.capped) {
    sections.push(
      `## Capped streams: every stream at ${mb(planned.capped.bytesPerSecond)}/s — parallel pull vs \`curl\` + \`unzip\` of one ZIP`,
      'Peak RSS of the pull is with its 3 streams running. ' + cappedRateNote(planned.capped),
      comparisonTable([planned.capped]),
    );
  }
  if (planned?.walk) {
    const w = planned.walk;
    const ideal = (w.folders * w.latencyMs) / w.concurrency;
    sections.push(
      `## Listing walk: ${w.folders} folders, every API answer delayed ${w.latencyMs} ms`,
      `Ideal: folders × latency / concurrency = ${w.folders} × ${w.latencyMs} ms / ${w.concurrency} = ${(ideal / 1000).toFixed(1)} s, one request per folder.`,
      table(
        ['Folders', 'Requests', 'Median time', 'Times (s)', 'Median / ideal'],
        [
          [
            w.folders,
            w.requests,
            seconds(median(w.ms) / 1000),
            w.ms.map((ms) => (ms / 1000).toFixed(2)).join(', '),
            ratio(median(w.ms) / ideal),
          ],
        ],
      ),
    );
  }
  if (results.updates) sections.push(...updateSections(results.updates));
  if (results.memory.length > 0) {
    sections.push(
      '## Memory and temporary disk of `box-pull pull`',
      'Temporary disk is the peak space allocated under the run’s folder (destination, staging, archive and TMPDIR), sampled continuously during the run.',
      memoryTable(results.memory),
    );
  }
  if (results.tree) {
    const t = results.tree;
    sections.push(
      '## Tree listing',
      table(
        ['Folder', 'First page', 'All entries', 'First page median', 'All entries median'],
        [
          [
            `${t.entries.toLocaleString('en-US')} entries`,
            `${t.firstPageRequests} request(s), ${t.firstPageEntries} entries`,
            `${t.allRequests} request(s), ${t.allEntries} entries`,
            `${median(t.firstPageMs).toFixed(0)} ms`,
            `${median(t.allMs).toFixed(0)} ms`,
          ],
        ],
      ),
    );
  }
  if (results.extension) {
    const lazy = Object.entries(results.extension.lazyBundles)
      .map(([name, bytes]) => `${name} ${bytes.toLocaleString('en-US')} bytes`)
      .join(', ');
    sections.push(
      '## Extension bundle',
      `dist/extension.js: ${results.extension.entryBytes.toLocaleString('en-US')} bytes as \`npm run build\` ` +
        `leaves it (not minified; the packaged file is smaller).` +
        (lazy ? ` Loaded lazily, not counted: ${lazy}.` : ''),
    );
  }
  return sections.join('\n\n');
}

function rawRuns(results: BenchResults): string {
  const rows: Row[] = [];
  for (const [suite, comparisons] of [
    ['extract', results.extract],
    ['e2e', results.e2e],
    ['capped', results.capped],
    ['over limit', results.planned?.overLimit ? [results.planned.overLimit] : []],
    ['capped streams', results.planned?.capped ? [results.planned.capped] : []],
    ['updates', results.updates?.rows ?? []],
  ] as const) {
    for (const c of comparisons) {
      for (const contender of [c.ours, c.baseline]) {
        rows.push([
          suite,
          c.label,
          contender.name,
          contender.samples.map((s) => s.wallSeconds.toFixed(3)).join(', '),
          contender.samples.map(rawCpu).join(', '),
          contender.samples.map((s) => s.peakRssMb.toFixed(0)).join(', '),
        ]);
      }
    }
  }
  for (const m of results.memory) {
    rows.push([
      'memory',
      m.label,
      'box-pull CLI',
      m.samples.map((s) => s.wallSeconds.toFixed(3)).join(', '),
      m.samples.map(rawCpu).join(', '),
      m.samples.map((s) => s.peakRssMb.toFixed(0)).join(', '),
    ]);
  }
  return table(
    ['Suite', 'Corpus', 'Command', 'Wall times (s)', 'CPU times (s; u: user)', 'Peak RSS (MB)'],
    rows,
  );
}

export function renderMarkdown(results: BenchResults): string {
  const env = results.environment;
  const header = [
    `# Box Pull benchmark results${results.mode === 'quick' ? ' (quick mode: small corpora, indicative only)' : ''}`,
    `Written by \`npm run bench${results.mode === 'quick' ? ' -- --quick' : ''}\`. The bench reports; it never fails on a missed target.`,
    table(
      ['Measured on', ''],
      [
        ['Date', results.date],
        ['CPU', `${env.cpu}, ${env.cores} cores`],
        ['Memory', env.memory],
        ['OS', env.os],
        ['Build under test', env.revision],
        ['Node', env.node],
        ['unzip', env.unzip],
        ['zip', env.zip],
        ['curl', env.curl],
        [
          'Runs per command',
          `${results.runs}${results.mode === 'full' ? ' + 1 warm-up' : ''}, alternating ours / baseline`,
        ],
        [
          'Load average (start → end)',
          `${env.loadAtStart} → ${env.loadAtEnd}` +
            (Math.max(Number(env.loadAtStart), Number(env.loadAtEnd)) > Number(env.cores)
              ? ` (above ${env.cores}: other work on the machine inflated the times)`
              : ''),
        ],
      ],
    ),
  ];
  return `${[
    ...header,
    renderSummary(results),
    '## Raw runs',
    '<details><summary>Every timed run, in order (also in the JSON file next to this one)</summary>',
    rawRuns(results),
    '</details>',
  ].join('\n\n')}\n`;
}

/** Why the row's cap is what it is (older results carry no machine rate). */
function cappedRateNote(capped: NonNullable<PlannedResults['capped']>): string {
  if (capped.machineBytesPerSecond === undefined) return '';
  return (
    `The cap is the row's ${mb(capped.requestedBytesPerSecond ?? capped.bytesPerSecond)}/s unless this machine ` +
    `cannot serve three such streams: one uncapped pull here ran ` +
    `at ${mb(capped.machineBytesPerSecond)}/s (the emulator builds the ZIP on the cores that extract it), and the ` +
    `three capped streams together may take at most 75% of that, so the cap, not the CPU, is what binds.`
  );
}
