// Every run's output is checked: the file count always, every byte on the first timed run of each contender.
import { STATE_FILE } from '../src/core/state/pullState';
import type { Corpus } from './corpora';
import { compareTrees, countFiles } from './trees';

/** A pull leaves its state file (src/core/state) beside the files it placed; `unzip` does not. */
const NOT_OF_THE_CORPUS: ReadonlySet<string> = new Set([STATE_FILE]);

export async function checkTree(corpus: Corpus, producedDir: string, thorough: boolean): Promise<void> {
  if (thorough) return compareTrees(corpus.treeDir, producedDir, NOT_OF_THE_CORPUS);
  const count = await countFiles(producedDir, NOT_OF_THE_CORPUS);
  if (count !== corpus.fileCount) throw new Error(`${count} files, expected ${corpus.fileCount}`);
}
