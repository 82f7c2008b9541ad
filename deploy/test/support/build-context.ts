/**
 * The build context of `docker build -f deploy/Dockerfile .`, made from a clean copy of the
 * repository: its tracked and not-ignored files as they are in the working tree (so
 * uncommitted edits are tested too, and nothing a build or `npm ci` left behind is), then
 * filtered by the root .dockerignore with a Docker-compatible matcher.
 */
import { execFileSync } from 'node:child_process'
import { copyFile, lstat, mkdir, readFile, readlink, symlink } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
// A CommonJS module whose typings declare a default export; it sets `.default` on itself.
import dockerignoreModule from '@balena/dockerignore'

/** The repository root (two levels above deploy/test/support). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))

/** Files of the working tree that git tracks or would track (not ignored), sorted. */
export function repositoryFiles(repoRoot: string = REPO_ROOT): string[] {
  const listed = execFileSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 },
  )
    .toString()
    .split('\0')
    .filter((f) => f !== '')
  return [...new Set(listed)].sort()
}

/** A matcher for a .dockerignore file's text: true for paths Docker leaves out. */
export function dockerignoreMatcher(text: string): (path: string) => boolean {
  const matcher = dockerignoreModule.default({ ignorecase: false }).add(text)
  return (path) => matcher.ignores(path)
}

/**
 * Copy the repository's files, less what .dockerignore excludes, into `dest`. Resolves with
 * the relative paths copied and those left out.
 */
export async function createBuildContext(
  dest: string,
  repoRoot: string = REPO_ROOT,
): Promise<{ copied: string[]; excluded: string[] }> {
  const ignored = dockerignoreMatcher(await readFile(join(repoRoot, '.dockerignore'), 'utf8'))
  const copied: string[] = []
  const excluded: string[] = []
  for (const file of repositoryFiles(repoRoot)) {
    const from = join(repoRoot, file)
    // Tracked but deleted in the working tree: not part of the context.
    const info = await lstat(from).catch(() => null)
    if (info === null) continue
    if (ignored(file)) {
      excluded.push(file)
      continue
    }
    const to = join(dest, file)
    await mkdir(dirname(to), { recursive: true })
    if (info.isSymbolicLink()) await symlink(await readlink(from), to)
    else await copyFile(from, to)
    copied.push(file)
  }
  return { copied, excluded }
}
