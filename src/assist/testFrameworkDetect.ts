// Finds how a project tests its code: the framework (from build files, configs and the tests already there),
// where tests live and how they are named, which file a new test for a given source file belongs in (an existing
// one first), and the command that runs it. Reads through ProjectFileSystem only, so it is tested on fixtures.
import { posix } from 'node:path';
import type { ProjectFileSystem } from './testFrameworkFs';

export type Ecosystem = 'node' | 'python' | 'go' | 'java' | 'rust';

export type TestFramework =
  | 'node:test'
  | 'mocha'
  | 'jest'
  | 'vitest'
  | 'pytest'
  | 'unittest'
  | 'go-testing'
  | 'junit4'
  | 'junit5'
  | 'rust-test';

/**
 * adjacent: next to the source; test-dir: a separate folder (test/, tests/, src/test/java); __tests__: a
 * __tests__ folder beside the source; inline: inside the source file itself (Rust's `mod tests`).
 */
export type TestLayout = 'adjacent' | 'test-dir' | '__tests__' | 'inline';

export interface TestPlan {
  ecosystem: Ecosystem;
  framework: TestFramework;
  /** VS Code language id of the test code. */
  languageId: string;
  /** The folder holding the build file (package.json, go.mod, ...); commands run there. '' is the workspace root. */
  projectRoot: string;
  layout: TestLayout;
  /** Where tests live, workspace-relative: 'test', 'src/test/java', or the source's folder for adjacent tests. */
  testDir: string;
  /** The naming pattern, `{name}` being the source file's base name: `{name}.test.ts`, `test_{name}.py`, `{Name}Test.java`. */
  naming: string;
  /** Workspace-relative path of the test file for the source file. */
  testFile: string;
  /** True when that file exists already: new tests are added to it. */
  testFileExists: boolean;
  /** Runs that test file (or the smallest unit the tool allows), from projectRoot. */
  runCommand: string;
  /** What the decision rests on, for the log. */
  evidence: string[];
}

const NODE_EXTENSIONS = new Set(['.ts', '.tsx', '.js', '.jsx', '.mjs', '.cjs', '.mts', '.cts']);

const ROOT_MARKERS: Record<Ecosystem, readonly string[]> = {
  node: ['package.json'],
  python: ['pyproject.toml', 'pytest.ini', 'setup.cfg', 'setup.py', 'tox.ini'],
  go: ['go.mod'],
  java: ['pom.xml', 'build.gradle', 'build.gradle.kts'],
  rust: ['Cargo.toml'],
};

// Folders that never hold the project's own tests; walking them would be slow and misleading.
const SKIPPED_DIRS = new Set([
  'node_modules',
  '.git',
  'dist',
  'build',
  'out',
  'target',
  'vendor',
  'coverage',
  '.venv',
  'venv',
  '__pycache__',
  '.gradle',
  '.idea',
  '.vscode',
  '.next',
  '.tox',
]);
const MAX_FILES = 4_000;
const MAX_DEPTH = 10;
/** Test files whose content is read to learn the framework they use. */
const MAX_SAMPLED_TESTS = 12;

export function ecosystemOf(path: string): Ecosystem | undefined {
  const ext = posix.extname(path).toLowerCase();
  if (NODE_EXTENSIONS.has(ext)) return 'node';
  if (ext === '.py') return 'python';
  if (ext === '.go') return 'go';
  if (ext === '.java') return 'java';
  if (ext === '.rs') return 'rust';
  return undefined;
}

/** The test plan for one source file, or undefined when its language is not one we generate tests for. */
export async function planTests(fs: ProjectFileSystem, sourcePath: string): Promise<TestPlan | undefined> {
  const source = normalize(sourcePath);
  const ecosystem = ecosystemOf(source);
  if (!ecosystem) return undefined;
  const projectRoot = await findProjectRoot(fs, source, ecosystem);
  const project = new ProjectView(fs, projectRoot);
  switch (ecosystem) {
    case 'node':
      return planNode(project, source);
    case 'python':
      return planPython(project, source);
    case 'go':
      return planGo(project, source);
    case 'java':
      return planJava(project, source);
    case 'rust':
      return planRust(project, source);
  }
}

/** The nearest folder above the source holding the ecosystem's build file; the workspace root otherwise. */
async function findProjectRoot(fs: ProjectFileSystem, source: string, ecosystem: Ecosystem): Promise<string> {
  let dir = dirOf(source);
  for (;;) {
    const entries = await fs.list(dir);
    const names = new Set((entries ?? []).map((e) => e.name));
    if (ROOT_MARKERS[ecosystem].some((marker) => names.has(marker))) return dir;
    if (dir === '') return '';
    dir = dirOf(dir);
  }
}

/** The project folder's files, listed once and read on demand. */
class ProjectView {
  private files: Promise<string[]> | undefined;
  private readonly texts = new Map<string, Promise<string | undefined>>();

  constructor(
    readonly fs: ProjectFileSystem,
    readonly root: string,
  ) {}

  /** Workspace-relative paths of every file under the project root, skipping build output and dependencies. */
  allFiles(): Promise<string[]> {
    this.files ??= this.walk();
    return this.files;
  }

  read(path: string): Promise<string | undefined> {
    let text = this.texts.get(path);
    if (!text) {
      text = this.fs.readText(path);
      this.texts.set(path, text);
    }
    return text;
  }

  /** A file directly in the project root. */
  readRoot(name: string): Promise<string | undefined> {
    return this.read(join(this.root, name));
  }

  async rootNames(): Promise<Set<string>> {
    const entries = await this.fs.list(this.root);
    return new Set((entries ?? []).map((e) => e.name));
  }

  /** Path relative to the project root. */
  rel(path: string): string {
    return this.root === '' ? path : path.slice(this.root.length + 1);
  }

  private async walk(): Promise<string[]> {
    const found: string[] = [];
    const queue: Array<{ dir: string; depth: number }> = [{ dir: this.root, depth: 0 }];
    // Breadth first, so that the cap cuts off deep folders rather than whole top-level ones.
    while (queue.length > 0 && found.length < MAX_FILES) {
      const next = queue.shift();
      if (!next) break;
      const entries = (await this.fs.list(next.dir)) ?? [];
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const entry of entries) {
        const path = join(next.dir, entry.name);
        if (entry.isDirectory) {
          if (!SKIPPED_DIRS.has(entry.name) && next.depth < MAX_DEPTH)
            queue.push({ dir: path, depth: next.depth + 1 });
        } else {
          found.push(path);
        }
      }
    }
    return found;
  }
}

// ---------------------------------------------------------------------------------------------- JavaScript/TS

const NODE_TEST_FILE = /\.(test|spec)\.[cm]?[jt]sx?$/;

async function planNode(project: ProjectView, source: string): Promise<TestPlan> {
  const evidence: string[] = [];
  const pkg = parseJsonObject(await project.readRoot('package.json'));
  const deps = new Set([...objectKeys(pkg?.dependencies), ...objectKeys(pkg?.devDependencies)]);
  const scripts = isRecord(pkg?.scripts) ? pkg.scripts : {};
  const testScript = typeof scripts.test === 'string' ? scripts.test : '';
  const rootNames = await project.rootNames();
  const hasConfig = (prefix: string): boolean => [...rootNames].some((n) => n.startsWith(prefix));

  const files = await project.allFiles();
  const tests = files.filter((f) => NODE_TEST_FILE.test(f) || f.includes('/__tests__/'));
  const sampled = await readSome(project, tests);
  const imports = (pattern: RegExp): boolean => sampled.some((text) => pattern.test(text));

  let framework: TestFramework | undefined;
  // The test script says what actually runs; dependencies and configs can be leftovers.
  if (/\bvitest\b/.test(testScript)) framework = 'vitest';
  else if (/\bjest\b/.test(testScript)) framework = 'jest';
  else if (/\bmocha\b/.test(testScript)) framework = 'mocha';
  else if (/\bnode\b[^&|;]*--test\b/.test(testScript)) framework = 'node:test';
  if (framework) evidence.push(`package.json scripts.test: ${testScript}`);
  if (!framework) {
    if (deps.has('vitest') || hasConfig('vitest.config.')) framework = 'vitest';
    else if (deps.has('jest') || hasConfig('jest.config.') || (pkg && 'jest' in pkg)) framework = 'jest';
    else if (deps.has('mocha') || hasConfig('.mocharc')) framework = 'mocha';
    else if (imports(/['"]node:test['"]/)) framework = 'node:test';
    if (framework) evidence.push(`dependencies or config files name ${framework}`);
  }
  framework ??= 'node:test';

  const spec = tests.filter((f) => /\.spec\.[cm]?[jt]sx?$/.test(f)).length;
  const plain = tests.filter((f) => /\.test\.[cm]?[jt]sx?$/.test(f)).length;
  const infix = spec > plain ? 'spec' : 'test';

  const layouts = tests.map((f) => nodeLayoutOf(project.rel(f)));
  const layoutChoice = majority(layouts.map((l) => l.layout));
  const defaultLayout: TestLayout = framework === 'vitest' || framework === 'jest' ? 'adjacent' : 'test-dir';
  const layout = layoutChoice ?? defaultLayout;
  const dirName = majority(layouts.filter((l) => l.layout === 'test-dir').map((l) => l.dir)) ?? 'test';
  evidence.push(`${tests.length} existing test files; layout ${layout}, *.${infix}.*`);

  const ext = posix.extname(source);
  const name = posix.basename(source, ext);
  const naming = `{name}.${infix}${ext}`;
  const sourceDir = dirOf(source);
  let testDir: string;
  let planned: string;
  if (layout === 'adjacent') {
    testDir = sourceDir;
    planned = join(sourceDir, `${name}.${infix}${ext}`);
  } else if (layout === '__tests__') {
    testDir = join(sourceDir, '__tests__');
    planned = join(testDir, `${name}.${infix}${ext}`);
  } else {
    testDir = join(project.root, dirName);
    planned = join(testDir, mirroredSubdir(project.rel(sourceDir)), `${name}.${infix}${ext}`);
  }
  const existing = closestExisting(
    tests.filter((f) => stemOfNodeTest(f) === name && sameFamily(posix.extname(f), ext)),
    planned,
  );
  const testFile = existing ?? planned;
  const relTest = project.rel(testFile);
  const usesTsx = deps.has('tsx');
  const isTs = /\.[cm]?tsx?$/.test(ext);
  const runCommand = {
    vitest: `npx vitest run ${relTest}`,
    jest: `npx jest ${relTest}`,
    mocha: `npx mocha ${relTest}`,
    'node:test': isTs && usesTsx ? `node --import tsx --test ${relTest}` : `node --test ${relTest}`,
  }[framework as 'vitest' | 'jest' | 'mocha' | 'node:test'];
  return {
    ecosystem: 'node',
    framework,
    languageId: isTs ? (ext.endsWith('x') ? 'typescriptreact' : 'typescript') : 'javascript',
    projectRoot: project.root,
    layout,
    testDir,
    naming,
    testFile,
    testFileExists: existing !== undefined,
    runCommand,
    evidence,
  };
}

function nodeLayoutOf(relPath: string): { layout: TestLayout; dir: string } {
  const segments = relPath.split('/');
  if (segments.includes('__tests__')) return { layout: '__tests__', dir: '' };
  const first = segments[0] ?? '';
  if (segments.length > 1 && (first === 'test' || first === 'tests' || first === 'spec'))
    return { layout: 'test-dir', dir: first };
  return { layout: 'adjacent', dir: '' };
}

function stemOfNodeTest(path: string): string {
  return posix
    .basename(path)
    .replace(/\.(test|spec)\.[cm]?[jt]sx?$/, '')
    .replace(/\.[cm]?[jt]sx?$/, '');
}

/** A .ts source is tested by .ts or .tsx tests, a .js one by any JavaScript test. */
function sameFamily(a: string, b: string): boolean {
  const family = (ext: string): string => (/ts/.test(ext) ? 'ts' : 'js');
  return family(a) === family(b);
}

// ---------------------------------------------------------------------------------------------- Python

async function planPython(project: ProjectView, source: string): Promise<TestPlan> {
  const evidence: string[] = [];
  const names = await project.rootNames();
  const files = await project.allFiles();
  const isTest = (f: string): boolean => /^test_.*\.py$|_test\.py$/.test(posix.basename(f));
  const tests = files.filter(isTest);

  const pyproject = (await project.readRoot('pyproject.toml')) ?? '';
  const setupCfg = (await project.readRoot('setup.cfg')) ?? '';
  const tox = (await project.readRoot('tox.ini')) ?? '';
  const requirements = (
    await Promise.all(
      [...names].filter((n) => /^requirements.*\.txt$/.test(n)).map((n) => project.readRoot(n)),
    )
  ).join('\n');
  const pytestSigns: string[] = [];
  if (names.has('pytest.ini')) pytestSigns.push('pytest.ini');
  if (/^\[tool\.pytest/m.test(pyproject)) pytestSigns.push('pyproject.toml [tool.pytest]');
  if (/["'\s]pytest\b/.test(pyproject.replace(/^\[tool\.pytest.*$/gm, '')))
    pytestSigns.push('pyproject.toml');
  if (/^\[tool:pytest\]/m.test(setupCfg)) pytestSigns.push('setup.cfg [tool:pytest]');
  if (/^\[pytest\]/m.test(tox)) pytestSigns.push('tox.ini [pytest]');
  if (/^pytest\b/m.test(requirements)) pytestSigns.push('requirements');
  if (files.some((f) => posix.basename(f) === 'conftest.py')) pytestSigns.push('conftest.py');

  let framework: TestFramework = 'pytest';
  if (pytestSigns.length > 0) {
    evidence.push(...pytestSigns);
  } else {
    const sampled = await readSome(project, tests);
    if (sampled.some((t) => /\bunittest\b/.test(t) && /\(\s*(unittest\.)?TestCase\s*\)/.test(t))) {
      framework = 'unittest';
      evidence.push('test files subclass unittest.TestCase and nothing configures pytest');
    }
  }

  const suffixCount = tests.filter((f) => f.endsWith('_test.py')).length;
  const prefix = suffixCount <= tests.length - suffixCount;
  const naming = prefix ? 'test_{name}.py' : '{name}_test.py';
  const layouts = tests.map((f) => {
    const first = project.rel(f).split('/')[0] ?? '';
    return project.rel(f).includes('/') && (first === 'tests' || first === 'test') ? first : 'adjacent';
  });
  const choice = majority(layouts) ?? 'tests';
  const layout: TestLayout = choice === 'adjacent' ? 'adjacent' : 'test-dir';
  const name = posix.basename(source, '.py');
  const fileName = naming.replace('{name}', name);
  const testDir = layout === 'adjacent' ? dirOf(source) : join(project.root, choice);
  // Python test folders are usually flat; a same-named test anywhere is still preferred below.
  const planned = join(testDir, fileName);
  const existing = closestExisting(
    tests.filter((f) => posix.basename(f) === `test_${name}.py` || posix.basename(f) === `${name}_test.py`),
    planned,
  );
  const testFile = existing ?? planned;
  const relTest = project.rel(testFile);
  const runCommand =
    framework === 'pytest'
      ? `pytest ${relTest}`
      : `python -m unittest ${relTest.replace(/\.py$/, '').split('/').join('.')}`;
  return {
    ecosystem: 'python',
    framework,
    languageId: 'python',
    projectRoot: project.root,
    layout,
    testDir,
    naming,
    testFile,
    testFileExists: existing !== undefined,
    runCommand,
    evidence,
  };
}

// ---------------------------------------------------------------------------------------------- Go

async function planGo(project: ProjectView, source: string): Promise<TestPlan> {
  const name = posix.basename(source, '.go').replace(/_test$/, '');
  const dir = dirOf(source);
  const testFile = join(dir, `${name}_test.go`);
  const exists = (await project.fs.readText(testFile)) !== undefined;
  const pkgDir = project.rel(dir === project.root ? '' : dir);
  return {
    ecosystem: 'go',
    framework: 'go-testing',
    languageId: 'go',
    projectRoot: project.root,
    layout: 'adjacent',
    testDir: dir,
    naming: '{name}_test.go',
    testFile,
    testFileExists: exists,
    runCommand: pkgDir === '' ? 'go test .' : `go test ./${pkgDir}`,
    evidence: ['Go tests live beside the code in *_test.go files'],
  };
}

// ---------------------------------------------------------------------------------------------- Java

async function planJava(project: ProjectView, source: string): Promise<TestPlan> {
  const evidence: string[] = [];
  const names = await project.rootNames();
  const pom = await project.readRoot('pom.xml');
  const gradleName = names.has('build.gradle.kts') ? 'build.gradle.kts' : 'build.gradle';
  const gradle = pom === undefined ? await project.readRoot(gradleName) : undefined;
  const build = pom ?? gradle ?? '';
  const files = await project.allFiles();
  const testRoot = join(project.root, 'src/test/java');
  const tests = files.filter((f) => f.startsWith(`${testRoot}/`) && f.endsWith('.java'));
  const testClasses = tests.filter((f) => /(^Test\w+|\w+Tests?)\.java$/.test(posix.basename(f)));

  const sampled = await readSome(project, testClasses);
  const jupiter = sampled.filter((t) => /org\.junit\.jupiter/.test(t)).length;
  const vintage = sampled.filter((t) =>
    /import\s+org\.junit\.(Test|Assert|Before|After|\*)\b/.test(t),
  ).length;
  let framework: TestFramework;
  if (jupiter + vintage > 0) {
    framework = jupiter >= vintage ? 'junit5' : 'junit4';
    evidence.push(`existing tests import ${framework === 'junit5' ? 'org.junit.jupiter' : 'org.junit'}`);
  } else if (/junit-jupiter|org\.junit\.jupiter|junit-bom|useJUnitPlatform/.test(build)) {
    framework = 'junit5';
    evidence.push('the build file names JUnit Jupiter');
  } else if (/junit:junit|<artifactId>junit<\/artifactId>/.test(build)) {
    framework = 'junit4';
    evidence.push('the build file names JUnit 4');
  } else {
    framework = 'junit5';
  }

  const styles = testClasses.map((f) => {
    const base = posix.basename(f, '.java');
    return base.endsWith('Tests') ? '{Name}Tests' : base.endsWith('Test') ? '{Name}Test' : 'Test{Name}';
  });
  const naming = majority(styles) ?? '{Name}Test';
  const className = posix.basename(source, '.java');
  const testClass = naming.replace('{Name}', className);
  const relSource = project.rel(source);
  const mainPrefix = 'src/main/java/';
  const packagePath = relSource.startsWith(mainPrefix) ? dirOf(relSource.slice(mainPrefix.length)) : '';
  const planned = relSource.startsWith(mainPrefix)
    ? join(testRoot, packagePath, `${testClass}.java`)
    : join(dirOf(source), `${testClass}.java`);
  const exists = (await project.fs.readText(planned)) !== undefined;
  const qualified = packagePath === '' ? testClass : `${packagePath.split('/').join('.')}.${testClass}`;
  const runCommand =
    pom !== undefined
      ? `mvn -q test -Dtest=${testClass}`
      : `${names.has('gradlew') ? './gradlew' : 'gradle'} test --tests ${qualified}`;
  evidence.push(pom !== undefined ? 'Maven (pom.xml)' : `Gradle (${gradleName})`);
  return {
    ecosystem: 'java',
    framework,
    languageId: 'java',
    projectRoot: project.root,
    layout: 'test-dir',
    testDir: testRoot,
    naming: `${naming}.java`,
    testFile: planned,
    testFileExists: exists,
    runCommand,
    evidence,
  };
}

// ---------------------------------------------------------------------------------------------- Rust

async function planRust(project: ProjectView, source: string): Promise<TestPlan> {
  const files = await project.allFiles();
  const sourceText = (await project.fs.readText(source)) ?? '';
  const srcPrefix = join(project.root, 'src');
  const integration = files.filter(
    (f) => f.startsWith(`${join(project.root, 'tests')}/`) && f.endsWith('.rs'),
  );
  const name = posix.basename(source, '.rs');
  const evidence: string[] = [];

  let inline = /#\[cfg\(test\)\]/.test(sourceText);
  if (inline) evidence.push('the source already has a #[cfg(test)] module');
  else if (integration.length > 0) {
    const sources = await readSome(
      project,
      files.filter((f) => f.startsWith(`${srcPrefix}/`) && f.endsWith('.rs')),
    );
    // Integration tests only when the project keeps no unit tests inside its sources.
    inline = sources.some((t) => /#\[cfg\(test\)\]/.test(t));
    evidence.push(inline ? 'other sources keep inline test modules' : 'tests/ holds the integration tests');
  } else {
    inline = true;
    evidence.push('unit tests go in a #[cfg(test)] module by Rust convention');
  }

  if (inline) {
    const relToSrc = project.rel(source).replace(/^src\//, '');
    const modulePath = relToSrc
      .replace(/\.rs$/, '')
      .split('/')
      .filter((s) => s !== 'lib' && s !== 'main' && s !== 'mod')
      .join('::');
    return {
      ecosystem: 'rust',
      framework: 'rust-test',
      languageId: 'rust',
      projectRoot: project.root,
      layout: 'inline',
      testDir: dirOf(source),
      naming: 'mod tests in {name}.rs',
      testFile: source,
      testFileExists: /#\[cfg\(test\)\]/.test(sourceText),
      runCommand: modulePath === '' ? 'cargo test' : `cargo test ${modulePath}::`,
      evidence,
    };
  }
  const suffixed = integration.filter((f) => f.endsWith('_test.rs')).length;
  const naming = suffixed * 2 > integration.length ? '{name}_test.rs' : '{name}.rs';
  const testDir = join(project.root, 'tests');
  const planned = join(testDir, naming.replace('{name}', name));
  const existing = integration.find((f) => posix.basename(f, '.rs').replace(/_test$/, '') === name);
  const testFile = existing ?? planned;
  return {
    ecosystem: 'rust',
    framework: 'rust-test',
    languageId: 'rust',
    projectRoot: project.root,
    layout: 'test-dir',
    testDir,
    naming,
    testFile,
    testFileExists: existing !== undefined,
    runCommand: `cargo test --test ${posix.basename(testFile, '.rs')}`,
    evidence,
  };
}

// ---------------------------------------------------------------------------------------------- helpers

async function readSome(project: ProjectView, paths: readonly string[]): Promise<string[]> {
  const texts = await Promise.all(paths.slice(0, MAX_SAMPLED_TESTS).map((p) => project.read(p)));
  return texts.filter((t): t is string => t !== undefined);
}

/** The most frequent value; ties go to the one seen first. */
function majority<T>(values: readonly T[]): T | undefined {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: T | undefined;
  let bestCount = 0;
  for (const [v, count] of counts) {
    if (count > bestCount) {
      best = v;
      bestCount = count;
    }
  }
  return best;
}

/** Of several files with the right name, the one whose folder is closest to where we would put it. */
function closestExisting(candidates: readonly string[], planned: string): string | undefined {
  let best: string | undefined;
  let bestScore = -1;
  const target = planned.split('/');
  for (const candidate of candidates) {
    const parts = candidate.split('/');
    let shared = 0;
    while (shared < parts.length && shared < target.length && parts[shared] === target[shared]) shared++;
    if (shared > bestScore) {
      best = candidate;
      bestScore = shared;
    }
  }
  return best;
}

/** The source's folder under its source root, mirrored under the test folder: src/a/b -> a/b. */
function mirroredSubdir(relDir: string): string {
  const segments = relDir.split('/').filter((s) => s !== '');
  if (segments[0] === 'src' || segments[0] === 'lib') segments.shift();
  return segments.join('/');
}

function normalize(path: string): string {
  return path.replace(/\\/g, '/').replace(/^\.\//, '').replace(/^\/+/, '');
}

function dirOf(path: string): string {
  const dir = posix.dirname(path);
  return dir === '.' ? '' : dir;
}

function join(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/');
}

function parseJsonObject(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function objectKeys(value: unknown): string[] {
  return isRecord(value) ? Object.keys(value) : [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
