// Turns measurements into one met/missed line per target of the issue. The bench reports; it never gates.
import { CAPPED_LIMIT } from './e2eSuite';
import { EXTENSION_LIMIT_BYTES } from './extensionSize';
import { mb, megabytes, ratio, seconds } from './format';
import { MEMORY_LIMIT_MB } from './memorySuite';
import {
  maxDiskBytes,
  maxRssMb,
  median,
  medianSeconds,
  type BenchResults,
  type TargetVerdict,
} from './results';
import { PARALLEL_RSS_MB } from './plannedSuite';
import { allPagesRequestLimit, FIRST_PAGE_REQUEST_LIMIT } from './treeSuite';
import { CONTENT_DOWNLOADS_UP_TO } from '../src/core/update/updatePull';
import { contentWinsUpTo } from './updateChanges';
import type { UpdateResults } from './updateSuite';

/** "Flat" memory: the larger archive may add at most this much peak RSS over the smaller one. */
const FLAT_GROWTH_MB = 16;
const FLAT_GROWTH_FRACTION = 0.1;
/** Temporary disk may exceed archive + extracted size by file-system metadata (folders, journal) only. */
const DISK_SLACK_FRACTION = 0.01;

/** Issue #15: when streaming succeeds, the archive is not kept, so temp disk is the files and a little more. */
const LEAN_DISK_SLACK_BYTES = 64 * 1024 * 1024;
/** Issue #15: CPU of a pull against curl + unzip's, and the first file in staging within a second of the first byte. */
const CPU_LIMIT = 1.0;
const FIRST_FILE_LIMIT_MS = 1000;

/** A figure built from no successful run is NaN: that target was not measured, rather than missed. */
function judge(values: number[], met: boolean): TargetVerdict['verdict'] {
  if (!values.every(Number.isFinite)) return 'not measured';
  return met ? 'met' : 'missed';
}

export function evaluateTargets(results: BenchResults): TargetVerdict[] {
  const verdicts: TargetVerdict[] = [];
  for (const c of results.extract) {
    verdicts.push({
      target: `Extraction ${c.label}: yauzl / unzip ≤ ${ratio(c.limit)}`,
      measured: ratio(c.ratio),
      verdict: judge([c.ratio], c.ratio <= c.limit),
    });
  }
  for (const c of results.e2e) {
    verdicts.push({
      target: `End-to-end pull ${c.label}: CLI / (curl + unzip) ≤ ${ratio(c.limit)}`,
      measured: ratio(c.ratio),
      verdict: judge([c.ratio], c.ratio <= c.limit),
    });
    const cpu =
      median(c.ours.samples.map((s) => s.cpuSeconds)) / median(c.baseline.samples.map((s) => s.cpuSeconds));
    verdicts.push({
      target: `End-to-end pull ${c.label}: CPU (user + system), CLI / (curl + unzip) ≤ ${ratio(CPU_LIMIT)}`,
      measured: ratio(cpu),
      verdict: judge([cpu], cpu <= CPU_LIMIT),
    });
    const peakRss = maxRssMb(c.ours.samples);
    verdicts.push({
      target: `End-to-end pull ${c.label}: CLI peak RSS ≤ ${MEMORY_LIMIT_MB} MB (highest of the runs)`,
      measured: megabytes(peakRss),
      verdict: judge([peakRss], peakRss <= MEMORY_LIMIT_MB),
    });
    const firstFile = median(
      c.ours.samples.flatMap((s) => (s.firstFileMs === undefined ? [] : [s.firstFileMs])),
    );
    verdicts.push({
      target: `Time to first file ${c.label}: in staging ≤ ${FIRST_FILE_LIMIT_MS} ms after the first byte (median)`,
      measured: Number.isFinite(firstFile) ? `${Math.round(firstFile)} ms` : 'n/a',
      verdict: judge([firstFile], firstFile <= FIRST_FILE_LIMIT_MS),
    });
  }
  for (const c of results.capped) {
    verdicts.push({
      target: `Stretch: pull ${c.label} at ${mb(results.cappedBytesPerSecond ?? 0)}/s / curl download alone ≤ ${ratio(CAPPED_LIMIT)}`,
      measured: ratio(c.ratio),
      verdict: judge([c.ratio], c.ratio <= c.limit),
    });
  }
  if (results.memory.length > 0) {
    const peaks = results.memory.map((m) => maxRssMb(m.samples));
    const largest = results.memory[results.memory.length - 1];
    verdicts.push({
      target: `CLI peak RSS ≤ ${MEMORY_LIMIT_MB} MB (archive of ${mb(largest.archiveBytes)})`,
      measured: megabytes(peaks[peaks.length - 1]),
      verdict: judge(peaks.slice(-1), peaks[peaks.length - 1] <= MEMORY_LIMIT_MB),
    });
    const growth = peaks[peaks.length - 1] - peaks[0];
    const allowed = Math.max(FLAT_GROWTH_MB, FLAT_GROWTH_FRACTION * peaks[0]);
    verdicts.push({
      target: `Peak RSS flat as the archive grows (${results.memory.map((m) => m.label).join(' → ')}: growth ≤ ${megabytes(allowed)})`,
      measured: `${peaks.map(megabytes).join(' → ')} (${growth >= 0 ? '+' : ''}${megabytes(growth)})`,
      verdict: judge([growth], growth <= allowed),
    });
    for (const m of results.memory) {
      const peakDisk = maxDiskBytes(m.samples);
      const limit = (m.archiveBytes + m.allocatedBytes) * (1 + DISK_SLACK_FRACTION);
      verdicts.push({
        target: `Temporary disk ${m.label} ≤ archive + extracted (${mb(m.archiveBytes)} + ${mb(m.allocatedBytes)})`,
        measured: mb(peakDisk),
        verdict: judge([peakDisk], peakDisk <= limit),
      });
      const leanLimit = m.allocatedBytes + LEAN_DISK_SLACK_BYTES;
      verdicts.push({
        target: `Temporary disk ${m.label} ≤ extracted + ${mb(LEAN_DISK_SLACK_BYTES)} (${mb(m.allocatedBytes)} + ${mb(LEAN_DISK_SLACK_BYTES)})`,
        measured: mb(peakDisk),
        verdict: judge([peakDisk], peakDisk <= leanLimit),
      });
    }
  }
  if (results.tree) {
    const t = results.tree;
    verdicts.push({
      target: `Tree: first page of ${t.entries} entries in ≤ ${FIRST_PAGE_REQUEST_LIMIT} request`,
      measured: `${t.firstPageRequests} request(s), ${t.firstPageEntries} entries`,
      verdict: t.firstPageRequests <= FIRST_PAGE_REQUEST_LIMIT ? 'met' : 'missed',
    });
    verdicts.push({
      target: `Tree: all ${t.entries} entries in ≤ ${allPagesRequestLimit(t.entries)} requests`,
      measured: `${t.allRequests} request(s), ${t.allEntries} entries`,
      verdict:
        t.allRequests <= allPagesRequestLimit(t.entries) && t.allEntries === t.entries ? 'met' : 'missed',
    });
  }
  const planned = results.planned;
  if (planned?.overLimit) {
    const c = planned.overLimit;
    verdicts.push({
      target: `Over the file limit ${c.label}: pull with --max-zip-files ${c.maxZipFiles} / same pull as one ZIP ≤ ${ratio(c.limit)}`,
      measured: ratio(c.ratio),
      verdict: judge([c.ratio], c.ratio <= c.limit),
    });
  }
  if (planned?.capped) {
    const c = planned.capped;
    const peak = maxRssMb(c.ours.samples);
    verdicts.push({
      target: `Capped streams ${c.label} at ${mb(c.bytesPerSecond)}/s each: parallel pull / (curl + unzip) ≤ ${ratio(c.limit)}`,
      measured: ratio(c.ratio),
      verdict: judge([c.ratio], c.ratio <= c.limit),
    });
    verdicts.push({
      target: `Peak RSS with 3 streams running ≤ ${PARALLEL_RSS_MB} MB`,
      measured: megabytes(peak),
      verdict: judge([peak], peak <= PARALLEL_RSS_MB),
    });
  }
  if (planned?.walk) {
    const w = planned.walk;
    const ideal = (w.folders * w.latencyMs) / w.concurrency;
    const ms = median(w.ms);
    verdicts.push({
      target: `Listing walk: ${w.folders} folders at ${w.latencyMs} ms latency (report; ideal ${(ideal / 1000).toFixed(1)} s at ${w.concurrency} at once, ${w.folders} requests)`,
      measured: `${(ms / 1000).toFixed(2)} s (${ratio(ms / ideal)} the ideal), ${w.requests} requests`,
      verdict: judge([ms], true),
    });
  }
  if (results.updates) verdicts.push(...updateVerdicts(results.updates));
  if (results.extension) {
    verdicts.push({
      target: `dist/extension.js ≤ ${mb(EXTENSION_LIMIT_BYTES)}`,
      measured: `${results.extension.entryBytes.toLocaleString('en-US')} bytes`,
      verdict: results.extension.entryBytes <= EXTENSION_LIMIT_BYTES ? 'met' : 'missed',
    });
  }
  return verdicts;
}

const WHAT_CHANGED = {
  nothing: 'nothing changed',
  'one-percent': '1% changed',
  'twenty-percent': '20% changed',
} as const;

/** #13's benchmarks: update / full pull of the same folder, its requests, and the crossover (reported). */
export function updateVerdicts(updates: UpdateResults): TargetVerdict[] {
  const verdicts: TargetVerdict[] = [];
  for (const r of updates.rows) {
    const times = `update ${seconds(medianSeconds(r.ours))}, full pull ${seconds(medianSeconds(r.baseline))}`;
    if (r.row === 'rename') {
      const fetched = Math.max(...r.zipCreates, ...r.contentDownloads);
      verdicts.push({
        target: `Update after a rename on Box (${r.label}, same ids and SHA-1s): no bytes downloaded`,
        measured: `${r.bytesDownloaded} bytes, ${r.moved} moved, ${fetched} ZIPs or content downloads; ${times}`,
        verdict: judge([r.ratio], r.bytesDownloaded === 0 && fetched === 0 && r.moved === r.changed),
      });
      continue;
    }
    verdicts.push({
      target: `Update, ${WHAT_CHANGED[r.row]} (${r.changed} of ${r.files.toLocaleString('en-US')} files): update / full pull ≤ ${ratio(r.limit)}`,
      measured: `${ratio(r.ratio)} (${times})`,
      verdict: judge([r.ratio], r.ratio <= r.limit && r.updated === r.changed),
    });
    if (r.row !== 'nothing') continue;
    const zips = Math.max(...r.zipCreates);
    const contents = Math.max(...r.contentDownloads);
    verdicts.push({
      target: 'Update, nothing changed: 0 ZIPs and 0 content downloads (every run)',
      measured: `${zips} ZIPs, ${contents} content downloads at most`,
      verdict: judge([zips, contents], zips === 0 && contents === 0),
    });
    const distinct = [...new Set(r.listingRequests)];
    verdicts.push({
      target: `Update, nothing changed: listing requests = Σ⌈items/1000⌉ over ${r.folders} folders = ${r.expectedListingRequests}`,
      measured: `${distinct.join(' / ')} per run`,
      verdict: judge(distinct, distinct.length === 1 && distinct[0] === r.expectedListingRequests),
    });
  }
  const points = updates.crossover ?? [];
  for (const mix of [...new Set(points.map((p) => p.mix))]) {
    for (const latencyMs of [...new Set(points.map((p) => p.latencyMs))]) {
      const medians = points
        .filter((p) => p.mix === mix && p.latencyMs === latencyMs)
        .map((p) => ({ k: p.k, contentMs: median(p.contentFetchMs), zipMs: median(p.zipFetchMs) }));
      if (medians.length === 0) continue;
      verdicts.push({
        target: `Crossover, ${mix} at ${latencyMs} ms latency (report; CONTENT_DOWNLOADS_UP_TO = ${CONTENT_DOWNLOADS_UP_TO})`,
        measured: `fetching by content as fast as by ZIP up to k = ${contentWinsUpTo(medians)}`,
        verdict: judge(
          medians.flatMap((m) => [m.contentMs, m.zipMs]),
          true,
        ),
      });
    }
  }
  return verdicts;
}
