/**
 * Builds the console: type-checks it against the API's route contracts, then bundles it with
 * Vite into `index.html`, `assets/` (hashed, cacheable forever) and the public files. Run as
 * `node console/build.ts --out DIR` (the CDK deployment does); `comeback serve` calls
 * `builtConsole()`, which builds once per version of the sources and reuses it after.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

export const consoleRoot = dirname(fileURLToPath(import.meta.url));
const projectRoot = dirname(consoleRoot);

export class ConsoleBuildError extends Error {
  override readonly name = 'ConsoleBuildError';
}

/** Fails with the compiler's own list of errors when the console no longer fits the API. */
export const typecheckConsole = async (): Promise<void> => {
  const tsc = join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    await promisify(execFile)(process.execPath, [tsc, '--noEmit', '-p', join(consoleRoot, 'tsconfig.json')], { cwd: projectRoot, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const output = (error as { stdout?: string }).stdout ?? String(error);
    throw new ConsoleBuildError(`the console does not type-check against the API:\n${output.trim()}`);
  }
};

/** Type-checks and bundles the console into `outDir` (emptied first). */
export const buildConsole = async (outDir: string): Promise<void> => {
  await typecheckConsole();
  const { build } = await import('vite');
  await build({
    root: consoleRoot,
    configFile: false,
    logLevel: 'warn',
    oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
    build: {
      outDir,
      emptyOutDir: true,
      // No inline scripts or styles, whatever their size: the Content-Security-Policy allows files only.
      assetsInlineLimit: 0,
      target: 'es2022',
      sourcemap: false,
      reportCompressedSize: false,
    },
  });
};

const sourceFiles = async (folder: string): Promise<string[]> => {
  const entries = await readdir(folder, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
};

/** A digest of everything a build reads: the console's files and the route contracts it is typed against. */
const sourcesDigest = async (): Promise<string> => {
  const files = [
    ...(await sourceFiles(join(consoleRoot, 'src'))),
    ...(await sourceFiles(join(consoleRoot, 'public'))),
    join(consoleRoot, 'index.html'),
    join(consoleRoot, 'build.ts'),
    ...(await readdir(join(projectRoot, 'functions'))).map((name) => join(projectRoot, 'functions', name, 'routes.ts')).filter(existsSync),
  ].sort();
  const hash = createHash('sha256');
  for (const file of files)
    hash
      .update(relative(projectRoot, file))
      .update('\0')
      .update(await readFile(file))
      .update('\0');
  return hash.digest('hex').slice(0, 16);
};

/** The built console for the current sources: built on first use, then reused until a source changes. */
export const builtConsole = async (): Promise<string> => {
  const cache = join(projectRoot, 'node_modules', '.cache', 'comeback-console');
  const built = join(cache, await sourcesDigest());
  if (existsSync(join(built, 'index.html'))) return built;
  const building = `${built}.${process.pid}.${Date.now()}`;
  await mkdir(cache, { recursive: true });
  try {
    await buildConsole(building);
    // Another process may have finished the same build meanwhile: either copy is the same.
    if (existsSync(built)) await rm(building, { recursive: true, force: true });
    else await rename(building, built);
  } catch (error) {
    await rm(building, { recursive: true, force: true });
    throw error;
  }
  return built;
};

if (import.meta.main) {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  if (!values.out) {
    console.error('usage: node console/build.ts --out DIR');
    process.exit(2);
  }
  await buildConsole(values.out);
  console.log(`console built into ${values.out}`);
}
