import { execSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * What the bench runs: by default the committed tree (HEAD exported to a temporary directory,
 * node_modules linked, built with tsc), so the figures in docs/performance.md belong to a commit;
 * with `tree`, the working tree as it is (built into dist/).
 */
export interface Build {
  /** The directory holding dist/src/cli/main.js and the src/ its source maps point to. */
  readonly root: string;
  /** What was built, for the report. */
  readonly revision: string;
}

function git(args: string): string {
  return execSync(`git ${args}`, { stdio: ['ignore', 'pipe', 'ignore'] })
    .toString()
    .trim();
}

export function buildFusebox(mode: 'head' | 'tree', tmp: string, say: (line: string) => void): Build {
  const repo = process.cwd();
  let root = repo;
  let revision: string;
  if (mode === 'head') {
    root = join(tmp, 'fusebox-head');
    mkdirSync(root, { recursive: true });
    const exported = spawnSync('sh', ['-c', `git archive HEAD | tar -x -C '${root}'`], { encoding: 'utf8' });
    if (exported.status !== 0) throw new Error(`git archive failed: ${exported.stderr}`);
    symlinkSync(resolve(repo, 'node_modules'), join(root, 'node_modules'));
    revision = `${git('rev-parse --short HEAD')} (the committed tree)`;
  } else {
    const dirty = git('status --porcelain -- src');
    revision = `${git('rev-parse --short HEAD')}${dirty ? ' plus uncommitted changes in src/ (working tree)' : ''}`;
  }
  say(`building fusebox ${revision} (tsc) …`);
  const tsc = resolve(repo, 'node_modules/typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { encoding: 'utf8', cwd: root });
  if (!existsSync(join(root, 'dist/src/cli/main.js'))) throw new Error(`build failed:\n${result.stdout}${result.stderr}`);
  if (result.status !== 0)
    say(`  tsc reported type errors; benchmarking the emitted JavaScript anyway:\n${result.stdout.split('\n').slice(0, 5).join('\n')}`);
  return { root, revision };
}
