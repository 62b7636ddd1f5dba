// `node out/bench/extractWorker.js <zip> <outDir>`: the project's extractor alone, as a process the bench can time
// against `unzip -q <zip> -d <outDir>`.
import { extractZip } from '../src/core/extract/extractor';

async function main(): Promise<void> {
  const [zipPath, outDir] = process.argv.slice(2);
  if (!zipPath || !outDir) throw new Error('Usage: extractWorker <zip> <outDir>');
  await extractZip(zipPath, outDir);
}

main().catch((error: unknown) => {
  process.stderr.write(`extractWorker: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
