// Every run's output is checked: the file count always, every byte on the first timed run of each contender.
import type { Corpus } from './corpora';
import { compareTrees, countFiles } from './trees';

export async function checkTree(corpus: Corpus, producedDir: string, thorough: boolean): Promise<void> {
  if (thorough) return compareTrees(corpus.treeDir, producedDir);
  const count = await countFiles(producedDir);
  if (count !== corpus.fileCount) throw new Error(`${count} files, expected ${corpus.fileCount}`);
}
