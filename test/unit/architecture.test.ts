import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The house rules, read from the imports themselves: what a feature may depend on, which way
 * ports and use cases point, what a Lambda bundle may pull in, and how long a use case may be.
 * Pure: parses the sources, runs nothing.
 */

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const sourceFolders = ['bin', 'cli', 'functions', 'infra', 'shared', 'test'];
const features = ['visits', 'lapse', 'outreach', 'answers', 'analytics', 'stats', 'common'];

interface Import {
  /** Repository-relative path of the importing file, with forward slashes. */
  readonly file: string;
  /** As written in the source. */
  readonly specifier: string;
  /** Repository-relative path for a relative specifier; the package name for anything else. */
  readonly target: string;
  readonly isPackage: boolean;
  /** The names it takes (`import { a, type B }`, `export { a } from`); empty for `*`, default or side effects. */
  readonly names: readonly string[];
}

const sourceFiles = (): string[] => {
  const found: string[] = [];
  const walk = (folder: string): void => {
    for (const entry of readdirSync(join(root, folder), { withFileTypes: true })) {
      const path = posix.join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) found.push(path);
    }
  };
  for (const folder of sourceFolders) if (existsSync(join(root, folder))) walk(folder);
  return found.sort();
};

const parse = (file: string): ts.SourceFile =>
  ts.createSourceFile(file, readFileSync(join(root, file), 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);

const packageName = (specifier: string): string => {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
};

const importsOf = (file: string, source: ts.SourceFile): Import[] => {
  const found: Import[] = [];
  const add = (literal: ts.Node | undefined, names: readonly string[]): void => {
    if (!literal || !ts.isStringLiteralLike(literal)) return;
    const specifier = literal.text;
    const isPackage = !specifier.startsWith('.');
    const target = isPackage ? packageName(specifier) : posix.normalize(posix.join(posix.dirname(file), specifier));
    found.push({ file, specifier, target, isPackage, names });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const bindings = node.importClause?.namedBindings;
      add(node.moduleSpecifier, bindings && ts.isNamedImports(bindings) ? bindings.elements.map((e) => (e.propertyName ?? e.name).text) : []);
    } else if (ts.isExportDeclaration(node)) {
      const clause = node.exportClause;
      add(node.moduleSpecifier, clause && ts.isNamedExports(clause) ? clause.elements.map((e) => (e.propertyName ?? e.name).text) : []);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, []);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node.arguments[0], []);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal, []);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
};

const files = sourceFiles();
const sources = new Map(files.map((file) => [file, parse(file)]));
const imports = files.flatMap((file) => importsOf(file, sources.get(file)!));

const under = (path: string, ...folders: string[]): boolean => folders.some((folder) => path.startsWith(`${folder}/`));
const featureOf = (path: string): string | undefined => {
  const match = /^shared\/([^/]+)\//.exec(path);
  return match && features.includes(match[1]!) ? match[1] : undefined;
};
const isPort = (path: string): boolean => /^shared\/[^/]+\/ports\/[^/]+\.ts$/.test(path);
const isUseCase = (path: string): boolean => /^shared\/[^/]+\/use-cases\/[^/]+\.ts$/.test(path);
const isHandler = (path: string): boolean => /^functions\/[^/]+\/handler\.ts$/.test(path);
const isRuntime = (path: string): boolean => under(path, 'shared', 'functions');
const isWiring = (path: string): boolean => ['shared/composition.ts', 'shared/analytics-composition.ts', 'shared/app.ts'].includes(path);

/** Packages that talk to the outside world: only adapters (shared/aws, shared/files) use them. */
const infrastructurePackage = (name: string): boolean => name.startsWith('@aws-sdk/') || name.startsWith('@duckdb/') || name.startsWith('hyparquet');

/**
 * The one runtime use of infra/: the adapters name their tables' indexes and the wiring reads
 * the environment variable each resource's name travels in, both from the one resource
 * definition. It is plain data (checked below: it imports nothing), so a Lambda bundle that
 * includes it pulls in no CDK.
 */
const resourceDefinition = 'infra/resources.ts';

interface Rule {
  readonly name: string;
  readonly applies: (file: string) => boolean;
  readonly forbids: (found: Import) => boolean;
}

const rules: Rule[] = [
  {
    name: 'a feature (model, ports, use cases) imports no adapter, wiring, infra, function, CLI or test, and no SDK',
    applies: (file) => featureOf(file) !== undefined,
    forbids: ({ target, isPackage }) =>
      isPackage ? infrastructurePackage(target) : under(target, 'shared/aws', 'shared/files', 'infra', 'functions', 'cli', 'test') || isWiring(target),
  },
  {
    name: 'a port owns its types: it imports no use case',
    applies: isPort,
    forbids: ({ target, isPackage }) => !isPackage && isUseCase(target),
  },
  {
    name: 'no runtime file (shared, functions) imports infra/, except the plain-data resource definition',
    applies: isRuntime,
    forbids: ({ target, isPackage }) => !isPackage && under(target, 'infra') && target !== resourceDefinition,
  },
  {
    name: 'the CDK imports no function handler',
    applies: (file) => under(file, 'infra') && !under(file, 'infra/local'),
    forbids: ({ target, isPackage }) => !isPackage && isHandler(target),
  },
  {
    name: 'stats is maths: it imports nothing else from shared/ but the error model',
    applies: (file) => featureOf(file) === 'stats',
    forbids: ({ target, isPackage }) => !isPackage && under(target, 'shared') && featureOf(target) !== 'stats' && target !== 'shared/common/app-error.ts',
  },
  {
    name: "a feature's own files do not import its index (the index imports them)",
    applies: (file) => featureOf(file) !== undefined,
    forbids: ({ file, target, isPackage }) => !isPackage && target === `shared/${featureOf(file)}/index.ts`,
  },
];

/**
 * Violations other parts of the reorganisation remove; each names what removes it. Once those
 * have landed the entry no longer matches anything, and the test below asks for its removal.
 */
const allowedImports: readonly string[] = [];

const describeImport = ({ file, specifier }: Import): string => `${file} imports ${specifier}`;

const violations = (): string[] =>
  rules.flatMap((rule) => imports.filter((found) => rule.applies(found.file) && rule.forbids(found)).map((found) => `${describeImport(found)} (${rule.name})`));

describe('the import rules', () => {
  it('reads a plausible number of files and imports', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(imports.length).toBeGreaterThan(500);
  });

  it('hold everywhere outside the listed exceptions', () => {
    const broken = violations().filter((message) => !allowedImports.some((allowed) => message.startsWith(`${allowed} (`)));
    expect(broken).toEqual([]);
  });

  it('list no exception that no longer happens', () => {
    const found = violations();
    expect(allowedImports.filter((allowed) => !found.some((message) => message.startsWith(`${allowed} (`)))).toEqual([]);
  });

  it('keep the resource definition plain data, so runtime code may read it', () => {
    // Its only import is the environment's names (zod and pure settings parsers, no SDK, no CDK).
    expect(imports.filter((found) => found.file === resourceDefinition).map(describeImport)).toEqual([
      `${resourceDefinition} imports ../shared/environment.ts`,
    ]);
  });
});

// common/ is the features' toolbox (dates, money, CSV...), not a capability: it has no index.
const featureIndexes = features.filter((feature) => feature !== 'common').map((feature) => `shared/${feature}/index.ts`);

const exportedNames = (file: string): string[] => {
  const source = sources.get(file);
  if (!source) return [];
  const names: string[] = [];
  for (const statement of source.statements) {
    if (ts.isExportDeclaration(statement) && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
      names.push(...statement.exportClause.elements.map((element) => element.name.text));
    }
  }
  return names;
};

describe('each feature says what it offers in its index', () => {
  it('has an index that names what it re-exports (no `export *`)', () => {
    for (const index of featureIndexes) {
      const source = sources.get(index);
      expect(source, `${index} is missing`).toBeDefined();
      const wildcards = source!.statements.filter((statement) => ts.isExportDeclaration(statement) && !statement.exportClause);
      expect(wildcards.map((statement) => `${index}: ${statement.getText(source)}`)).toEqual([]);
    }
  });

  it('re-exports each name at most once', () => {
    for (const index of featureIndexes) {
      const names = exportedNames(index);
      expect(
        names.filter((name, i) => names.indexOf(name) !== i),
        index,
      ).toEqual([]);
    }
  });

  it('offers everything the functions and the CLI take from its use cases', () => {
    const missing = imports
      .filter((found) => under(found.file, 'functions', 'cli') && !found.isPackage && isUseCase(found.target))
      .flatMap((found) => {
        const offered = exportedNames(`shared/${featureOf(found.target)}/index.ts`);
        return found.names.filter((name) => !offered.includes(name)).map((name) => `${found.file}: ${name} from ${found.specifier}`);
      });
    expect(missing).toEqual([]);
  });
});

const longestFunctionLines = 60;

interface FunctionLength {
  readonly file: string;
  readonly name: string;
  readonly lines: number;
}

const nameOf = (node: ts.Node, source: ts.SourceFile): string => {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name && !ts.isFunctionExpression(node)) return named.name.getText(source);
  let parent = node.parent;
  // `export const handler = wrap(async (event) => …)`: the function is named by what it is assigned to.
  while (ts.isCallExpression(parent) || ts.isParenthesizedExpression(parent) || ts.isAsExpression(parent)) parent = parent.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) return parent.name.getText(source);
  if (named.name) return named.name.getText(source);
  return `function at line ${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}`;
};

/** The outermost functions of a file (a function's inner helpers count toward its length). */
const functionLengths = (file: string): FunctionLength[] => {
  const source = sources.get(file)!;
  const found: FunctionLength[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      found.push({ file, name: nameOf(node, source), lines: last - first + 1 });
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
};

/** Functions over the limit that other parts of the reorganisation rewrite; each names what removes it. */
const allowedLongFunctions: readonly string[] = [];

describe('use cases and handlers are made of short steps', () => {
  const measured = files.filter((file) => isUseCase(file) || isHandler(file)).flatMap(functionLengths);
  const tooLong = measured.filter(({ lines }) => lines > longestFunctionLines).map(({ file, name, lines }) => `${file}: ${name} (${lines} lines)`);
  const allowed = (message: string): boolean => allowedLongFunctions.some((entry) => message.startsWith(`${entry} (`));

  it('measures the use cases it should', () => {
    expect(measured.some(({ file, name }) => file === 'shared/lapse/use-cases/sweep.ts' && name === 'sweepSegment')).toBe(true);
  });

  it(`has no function over ${longestFunctionLines} lines`, () => {
    expect(tooLong.filter((message) => !allowed(message))).toEqual([]);
  });

  it('lists no long function that has been shortened', () => {
    expect(allowedLongFunctions.filter((entry) => !tooLong.some((message) => message.startsWith(`${entry} (`)))).toEqual([]);
  });
});

describe('one error model', () => {
  /** Classes that extend Error itself, rather than AppError (which maps to HTTP and the CLI by its kind). */
  const plainErrors = files
    .filter((file) => !file.startsWith('test/'))
    .flatMap((file) => {
      const found: string[] = [];
      const visit = (node: ts.Node): void => {
        if (ts.isClassDeclaration(node) && node.heritageClauses?.some((clause) => clause.types.some((type) => type.expression.getText() === 'Error'))) {
          found.push(`${file}: ${node.name?.text}`);
        }
        ts.forEachChild(node, visit);
      };
      visit(parse(file));
      return found;
    });

  it('has every error a user can meet extend AppError', () => {
    expect(plainErrors).toEqual([
      'infra/local/sms-voice.ts: ServiceError', // the emulator's own protocol errors, answered in the provider's shape
      'shared/common/app-error.ts: AppError',
    ]);
  });
});
