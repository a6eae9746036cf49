/**
 * The Lambda functions' bundles: every `functions/NAME/handler.ts` bundled with the very options
 * the CDK bundles it with (infra/constructs/comeback-function.ts), its size against the limit,
 * and the time a fresh `node` takes to load it against a bare `node` started in the same rounds.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { functionBundleLimit, functionBundling, functionNodeOptions, functionRuntime } from '../../infra/constructs/comeback-function.ts';
import { median, type Bench, type BenchResult } from './harness.ts';

const projectRoot = resolve(import.meta.dirname, '../..');

/** A function's module load, on this machine, beyond a bare node's start. */
const loadTargetMs = 150;
const rounds = 5;

/**
 * esbuild's own options for what aws-lambda-nodejs passes its command line (`--bundle`,
 * `--platform=node`, `--target=node24`, then the bundling props). An option this does not
 * translate fails the bench, so the two cannot drift apart unnoticed.
 */
const esbuildOptions = (entry: string, outfile: string): BuildOptions => {
  const { format, mainFields, minify, sourceMap, sourcesContent, bundleAwsSDK, externalModules, banner, esbuildArgs = {}, ...rest } = functionBundling;
  const { '--charset': charset, ...otherArgs } = esbuildArgs;
  const untranslated = [...Object.keys(rest), ...Object.keys(otherArgs)];
  if (untranslated.length > 0) {
    throw new Error(`test/bench/bundles.ts does not translate ${untranslated.join(', ')} of functionBundling (infra/constructs/comeback-function.ts)`);
  }
  if (charset !== undefined && charset !== 'utf8' && charset !== 'ascii') throw new Error(`--charset=${String(charset)}`);
  const version = /nodejs(\d+)/.exec(functionRuntime.name)?.[1];
  if (!version) throw new Error(`no Node.js version in ${functionRuntime.name}`);
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: `node${version}`,
    format: format === OutputFormat.ESM ? 'esm' : 'cjs',
    ...(mainFields && { mainFields }),
    ...(minify && { minify }),
    ...(sourceMap && { sourcemap: true }),
    ...(sourcesContent === false && { sourcesContent: false }),
    ...(charset && { charset }),
    ...(banner && { banner: { js: banner } }),
    // The CDK's default without externalModules: the runtime's SDK, unless bundleAwsSDK.
    external: externalModules ?? (bundleAwsSDK ? [] : ['@aws-sdk/*', '@smithy/*']),
    metafile: true,
    logLevel: 'error',
  };
};

const functionNames = (): string[] =>
  readdirSync(join(projectRoot, 'functions'))
    .filter((name) => existsSync(join(projectRoot, 'functions', name, 'handler.ts')))
    .sort();

interface Bundle {
  readonly name: string;
  readonly file: string;
  readonly bytes: number;
  readonly metafile: Metafile;
}

/** The packages (or project folders) that weigh most in a bundle's output. */
const heaviest = (metafile: Metafile, count: number): string => {
  const output = Object.values(metafile.outputs).find((candidate) => candidate.entryPoint)!;
  const weights = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const owner = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? input.split('/').slice(0, 2).join('/');
    weights.set(owner, (weights.get(owner) ?? 0) + bytesInOutput);
  }
  return [...weights]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([owner, bytes]) => `${owner} ${Math.round(bytes / 1024)} KB`)
    .join(', ');
};

/** What a bundle leaves to be found at run time must be Node's own, or imported only on a path a function never takes (`import()`). */
const checkExternals = (bundle: Bundle): void => {
  const loadedAtStart = Object.values(bundle.metafile.inputs)
    .flatMap((input) => input.imports)
    .filter((found) => found.external && found.kind !== 'dynamic-import' && !isBuiltin(found.path))
    .map((found) => found.path);
  if (loadedAtStart.length > 0) throw new Error(`${bundle.name} imports ${[...new Set(loadedAtStart)].join(', ')} without bundling it`);
};

/** Milliseconds from spawning `node` until `script` has run (the child says so on stdout). */
const startTime = (script: string): Promise<number> =>
  new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--input-type=module', '-e', `${script}\nprocess.stdout.write('loaded\\n');`], {
      // As in Lambda: NODE_OPTIONS from the function's environment, a region, nothing of this process's own.
      env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: functionNodeOptions, AWS_REGION: 'us-east-1', TZ: 'UTC' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let loaded: number | undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      if (loaded === undefined && chunk.toString().includes('loaded')) loaded = performance.now() - started;
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    child.on('error', fail);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (loaded !== undefined) done(loaded);
      else fail(new Error(`node ended (${signal ?? code}) before it loaded: ${stderr.trim()}`));
    });
  });

export const bundlesBench: Bench = {
  name: 'bundles',
  async run(context) {
    // Outside the project, so nothing the bundle leaves out can be found in its node_modules.
    const folder = await mkdtemp(join(tmpdir(), 'comeback-bench-bundles-'));
    try {
      const names = functionNames();
      context.progress(`bundles: bundling ${names.length} functions as the CDK does`);
      const bundles: Bundle[] = [];
      for (const name of names) {
        const file = join(folder, name, 'index.mjs');
        const { metafile } = await build(esbuildOptions(join(projectRoot, 'functions', name, 'handler.ts'), file));
        const bundle = { name, file, bytes: statSync(file).size, metafile: metafile! };
        checkExternals(bundle);
        bundles.push(bundle);
      }

      context.progress(`bundles: loading each in a fresh node, ${rounds} rounds`);
      const bare: number[] = [];
      const loads = new Map<string, number[]>(names.map((name) => [name, []]));
      await startTime(''); // the first start of all pays for the disk
      for (let round = 0; round < rounds; round++) {
        bare.push(await startTime(''));
        for (const bundle of bundles) loads.get(bundle.name)!.push(await startTime(`await import(${JSON.stringify(pathToFileURL(bundle.file).href)});`));
      }
      const bareMs = median(bare);

      const results: BenchResult[] = [];
      for (const bundle of bundles) {
        const kilobytes = bundle.bytes / 1024;
        const loadMs = Math.max(median(loads.get(bundle.name)!) - bareMs, 1);
        results.push(
          {
            measure: `${bundle.name}: bundle size`,
            subject: `${Math.round(kilobytes)} KB`,
            baseline: `${functionBundleLimit / 1024} KB limit`,
            ratio: functionBundleLimit / bundle.bytes,
            target: 1,
            note: heaviest(bundle.metafile, 5),
          },
          {
            measure: `${bundle.name}: module load`,
            subject: `${Math.round(loadMs)} ms`,
            baseline: `${loadTargetMs} ms (a bare node starts in ${Math.round(bareMs)} ms)`,
            ratio: loadTargetMs / loadMs,
            target: 1,
          },
        );
      }
      return results;
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  },
};
