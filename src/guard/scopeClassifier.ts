// The built-in heuristic behind the scope rule: is a chat question about software engineering? It weighs
// software vocabulary and code-like text against out-of-scope topics. It refuses only when an off-topic signal
// outweighs every engineering signal, so short or unclear questions ("thanks", "why?") pass.
import { compileSafeRegex, literalAlternation } from './safeRegex';

// prettier-ignore
const ENGINEERING_TERMS = [
  'algorithm', 'api', 'array', 'assert', 'async', 'await', 'backend', 'bash', 'benchmark', 'binary', 'boolean',
  'branch', 'browser', 'bug', 'build', 'bytes', 'cache', 'callback', 'class', 'cli', 'code', 'commit', 'compile',
  'compiler', 'component', 'concurrency', 'config', 'configuration', 'constructor', 'container', 'cpu', 'crash',
  'css', 'database', 'debug', 'debugger', 'dependency', 'deploy', 'deployment', 'diff', 'docker', 'endpoint',
  'enum', 'error', 'exception', 'frontend', 'function', 'framework', 'generic', 'git', 'github', 'gradle', 'html',
  'http', 'https', 'index', 'interface', 'java', 'javascript', 'json', 'kotlin', 'kubernetes', 'lambda', 'library',
  'linter', 'linux', 'loop', 'memory', 'merge', 'method', 'microservice', 'migration', 'module', 'mutex', 'npm',
  'null', 'object', 'package', 'parser', 'performance', 'pipeline', 'pointer', 'python', 'query', 'react',
  'recursion', 'refactor', 'regex', 'repository', 'request', 'response', 'rest', 'runtime', 'rust', 'schema',
  'script', 'sdk', 'server', 'shell', 'sql', 'stack trace', 'string', 'struct', 'syntax', 'test', 'tests',
  'thread', 'type', 'typescript', 'undefined', 'unit test', 'variable', 'vscode', 'webpack', 'yaml',
  'implement', 'implementation', 'program', 'programming', 'software', 'exception', 'stack', 'heap', 'golang',
  'c++', 'c#', 'maven', 'spring', 'django', 'flask', 'node', 'nodejs', 'ci', 'pull request', 'code review',
];

// prettier-ignore
const OUT_OF_SCOPE_TERMS = [
  'recipe', 'cooking', 'bake', 'restaurant', 'football', 'soccer', 'basketball', 'match score', 'horoscope',
  'astrology', 'zodiac', 'celebrity', 'gossip', 'movie', 'film', 'tv show', 'song lyrics', 'lyrics', 'poem',
  'love letter', 'dating', 'girlfriend', 'boyfriend', 'vacation', 'holiday destination', 'hotel', 'flight',
  'weather', 'election', 'politics', 'political', 'president', 'religion', 'lottery', 'gambling', 'betting',
  'stock tip', 'stock tips', 'which stock', 'crypto price', 'diet', 'weight loss', 'medical advice',
  'symptoms', 'diagnose my', 'legal advice', 'lawsuit', 'homework essay', 'essay about', 'fashion', 'outfit',
];

// Braces, semicolons, arrows, calls and fenced code are engineering signals no topic word can outweigh.
const CODE_SHAPE = compileSafeRegex(
  '(?m)```|=>|[{};][ \\t]*$|\\w\\(.*\\)|</?\\w+>|^[ \\t]*(?:import|from|def|fn|func|public|const|let|var)\\s',
);

export interface ScopeVerdict {
  inScope: boolean;
  engineeringSignals: number;
  outOfScopeSignals: number;
}

export interface ScopeClassifierOptions {
  /** Use the built-in vocabularies (the policy's `classifier: heuristic`). */
  builtIn: boolean;
  inScopeKeywords: readonly string[];
  outOfScopeKeywords: readonly string[];
}

/**
 * Counts occurrences of literal terms, whole words where a term starts or ends with a word character.
 * V8's own engine, not the linear-time one: the source is an alternation of escaped literals without
 * quantifiers (`literalAlternation`), so a policy's terms cannot make it backtrack catastrophically (the
 * worst case is the text's length times the terms' total length); on a 16 KB chat prompt the linear engine
 * took tens of milliseconds where this takes well under one.
 */
class TermCounter {
  private readonly source: string;

  constructor(terms: readonly string[]) {
    this.source = literalAlternation(terms);
  }

  count(text: string): number {
    // No terms left after dropping empty ones: an empty source would match everywhere.
    if (this.source === '') return 0;
    let n = 0;
    // A fresh regex per call: scans may run concurrently and must not share lastIndex.
    const re = new RegExp(this.source, 'gi');
    while (re.exec(text) !== null) n++;
    return n;
  }
}

export class ScopeClassifier {
  private readonly engineering: TermCounter | undefined;
  private readonly offTopic: TermCounter | undefined;

  constructor(options: ScopeClassifierOptions) {
    const inTerms = [...(options.builtIn ? ENGINEERING_TERMS : []), ...options.inScopeKeywords];
    const outTerms = [...(options.builtIn ? OUT_OF_SCOPE_TERMS : []), ...options.outOfScopeKeywords];
    this.engineering = inTerms.length > 0 ? new TermCounter(inTerms) : undefined;
    this.offTopic = outTerms.length > 0 ? new TermCounter(outTerms) : undefined;
  }

  classify(text: string): ScopeVerdict {
    const outOfScopeSignals = this.offTopic?.count(text) ?? 0;
    if (outOfScopeSignals === 0) return { inScope: true, engineeringSignals: 0, outOfScopeSignals };
    const codeShaped = CODE_SHAPE.test(text) ? 1 : 0;
    const engineeringSignals = (this.engineering?.count(text) ?? 0) + codeShaped;
    return { inScope: engineeringSignals >= outOfScopeSignals, engineeringSignals, outOfScopeSignals };
  }
}
