// Runs README blocks as a reader would in one terminal: one bash session, blocks in
// document order, so variables, exports and files carry from block to block.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PEERS_BIN } from './peers.js';
import { run, type RunResult } from './run.js';
import type { ReadmeBlock } from './readme-blocks.js';

export interface BlockResult {
  /** The exit status as text, '' when the session ended before the block finished. */
  rc: string;
  stdout: string;
  stderr: string;
  /** Wall time of the block, in seconds (NaN when it did not finish). */
  seconds: number;
}

export interface SessionOptions {
  /** Where the session starts (the README's "repository root"). */
  cwd: string;
  env: Record<string, string | undefined>;
  /** Scratch directory for the block files and their output. */
  dir: string;
  timeoutMs: number;
  /** Wraps the bash command line (e.g. in `unshare`); default: run bash directly. */
  wrap?: (bash: string[]) => [string, string[]];
}

/**
 * A `run` block is sourced in the session with errexit (its variables stay, and its first
 * failing command ends the session); a `refused` block runs in a subshell, so its failure
 * is recorded instead. `cosign` is a symlink, re-pointed before each block to the cosign
 * its marker names and removed for a block that names none (then `cosign` is not found).
 */
export async function runSession(blocks: ReadmeBlock[], o: SessionOptions): Promise<{ session: RunResult; results: BlockResult[] }> {
  mkdirSync(o.dir, { recursive: true });
  const cosignDir = join(o.dir, 'cosign-bin');
  mkdirSync(cosignDir, { recursive: true });
  const script = ['set -e', `export PATH='${cosignDir}':"$PATH"`, `cd '${o.cwd}'`];
  blocks.forEach((b, i) => {
    writeFileSync(join(o.dir, `${i}.sh`), b.text);
    const io = `> '${o.dir}/${i}.out' 2> '${o.dir}/${i}.err'`;
    script.push(b.cosign ? `ln -sfn '${join(PEERS_BIN, b.cosign)}' '${cosignDir}/cosign'` : `rm -f '${cosignDir}/cosign'`);
    script.push(`echo $EPOCHREALTIME > '${o.dir}/${i}.start'`);
    if (b.mode === 'run') script.push(`source '${o.dir}/${i}.sh' ${io}`, `echo 0 > '${o.dir}/${i}.rc'`);
    else script.push('set +e', `( set -e; source '${o.dir}/${i}.sh' ) ${io}`, `echo $? > '${o.dir}/${i}.rc'`, 'set -e');
    script.push(`echo $EPOCHREALTIME > '${o.dir}/${i}.end'`);
  });
  writeFileSync(join(o.dir, 'session.sh'), script.join('\n') + '\n');
  const bash = ['bash', '--norc', '--noprofile', join(o.dir, 'session.sh')];
  const [cmd, args] = o.wrap ? o.wrap(bash) : [bash[0]!, bash.slice(1)];
  const session = await run(cmd, args, { cwd: o.cwd, env: o.env, timeoutMs: o.timeoutMs });
  const read = (p: string) => (existsSync(p) ? readFileSync(p, 'utf8') : '');
  const results = blocks.map((_, i) => ({
    rc: read(join(o.dir, `${i}.rc`)).trim(),
    stdout: read(join(o.dir, `${i}.out`)),
    stderr: read(join(o.dir, `${i}.err`)),
    seconds: Number(read(join(o.dir, `${i}.end`))) - Number(read(join(o.dir, `${i}.start`))) || NaN,
  }));
  return { session, results };
}
