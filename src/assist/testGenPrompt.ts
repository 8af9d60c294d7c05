// The prompt for unit-test generation: the code under test, its imports, the signatures of the types it uses,
// one existing test of the project as a style example, the framework and the target file, asking for one
// fenced code block holding either a complete test file or only the addition to an existing one.
import { posix } from 'node:path';
import type { ChatMessage } from '../model/modelClient';
import type { TestFramework, TestLayout } from './testFrameworkDetect';

/** The parts of a TestPlan the prompt needs. */
export interface TestTarget {
  framework: TestFramework;
  languageId: string;
  layout: TestLayout;
  testFile: string;
  testFileExists: boolean;
  runCommand: string;
}

export interface TestGenInput {
  target: TestTarget;
  /** Workspace-relative path of the file under test. */
  sourcePath: string;
  /** The function, method, class or selection to test (or the whole file). */
  code: string;
  /** The symbol's name when one was chosen (CodeLens), for the instructions. */
  symbolName?: string;
  /** The source file's import lines, as written. */
  imports: string;
  /** Signatures (declarations without bodies) of the types the code uses, as the caller found them. */
  typeSignatures: readonly string[];
  /** One test from the project, to copy its style. */
  example?: { path: string; content: string };
  /** The current text of the test file when it exists (or of the source itself for inline tests). */
  existingTestFile?: string;
}

/** How the answer is combined with the target file; see testGenAnswer.ts. */
export type MergeStrategy = 'replace' | 'append' | 'class-body' | 'rust-tests-module';

export interface TestGenPrompt {
  messages: ChatMessage[];
  /** The fence language tag we ask for, so the right block can be picked from a chatty answer. */
  fenceLanguage: string;
  strategy: MergeStrategy;
}

// Long example and existing files are cut: the model needs their style and their names, not every line.
const MAX_EXAMPLE_CHARS = 4_000;
const MAX_EXISTING_CHARS = 6_000;
const MAX_CODE_CHARS = 16_000;

const FRAMEWORK_HINTS: Record<TestFramework, string> = {
  'node:test':
    "Use the built-in runner: import { describe, it } from 'node:test' and assert from 'node:assert/strict'.",
  mocha:
    'Use mocha (describe/it are globals) with the assertion library the example uses, else node:assert/strict.',
  jest: 'Use Jest: describe/it/expect are globals; use jest.fn() for mocks.',
  vitest: "Use Vitest: import { describe, it, expect, vi } from 'vitest'.",
  pytest: 'Use pytest: plain test_ functions with assert, pytest.raises for errors, parametrize for tables.',
  unittest: 'Use unittest: a unittest.TestCase subclass with test_ methods and self.assert* calls.',
  'go-testing':
    'Use the standard testing package: func TestXxx(t *testing.T) in the same package, table-driven where it helps.',
  junit4: 'Use JUnit 4: org.junit.Test annotations and static org.junit.Assert methods.',
  junit5: 'Use JUnit 5: org.junit.jupiter.api.Test and static org.junit.jupiter.api.Assertions methods.',
  'rust-test':
    'Use #[test] functions with assert!, assert_eq! and #[should_panic] where a panic is expected.',
};

export function fenceLanguageFor(languageId: string): string {
  switch (languageId) {
    case 'typescript':
      return 'ts';
    case 'typescriptreact':
      return 'tsx';
    case 'javascript':
      return 'js';
    case 'javascriptreact':
      return 'jsx';
    default:
      return languageId;
  }
}

/** How an answer for this target is combined with the file that is already there. */
export function strategyFor(target: TestTarget, existing: string | undefined): MergeStrategy {
  if (target.layout === 'inline') {
    return existing !== undefined && /#\[cfg\(test\)\]\s*mod\s+tests\b/.test(existing)
      ? 'rust-tests-module'
      : 'append';
  }
  if (!target.testFileExists || existing === undefined) return 'replace';
  return target.framework === 'junit4' || target.framework === 'junit5' ? 'class-body' : 'append';
}

export function buildTestGenPrompt(input: TestGenInput): TestGenPrompt {
  const { target } = input;
  const fence = fenceLanguageFor(target.languageId);
  const strategy = strategyFor(target, input.existingTestFile);
  const subject = input.symbolName ? `\`${input.symbolName}\`` : 'the code below';

  const system = [
    'You write unit tests for an existing code base.',
    'Test observable behaviour: normal cases, edge cases and error cases. Do not test private details.',
    'Use only the APIs shown; do not invent functions, fields or files. Do not change the code under test.',
    'Follow the conventions of the example test when one is given (naming, assertion style, layout).',
    'Answer with exactly one fenced code block and nothing after it.',
  ].join('\n');

  const parts: string[] = [];
  parts.push(`Write unit tests for ${subject} from \`${input.sourcePath}\`.`);
  parts.push(`Test framework: ${target.framework}. ${FRAMEWORK_HINTS[target.framework]}`);
  parts.push(`The tests go in \`${target.testFile}\` and are run with \`${target.runCommand}\`.`);
  const importHint = importHintFor(target, input.sourcePath);
  if (importHint) parts.push(importHint);
  parts.push(instructionFor(strategy, target, fence));

  parts.push(section('Code under test', fence, truncate(input.code, MAX_CODE_CHARS)));
  if (input.imports.trim() !== '')
    parts.push(section('Imports of the source file', fence, input.imports.trim()));
  if (input.typeSignatures.length > 0)
    parts.push(section('Types it uses', fence, input.typeSignatures.map((s) => s.trim()).join('\n\n')));
  if (input.example && strategy === 'replace')
    parts.push(
      section(
        `An existing test in this project (\`${input.example.path}\`), for style`,
        fence,
        truncate(input.example.content, MAX_EXAMPLE_CHARS),
      ),
    );
  if (input.existingTestFile !== undefined && strategy !== 'replace')
    parts.push(
      section(
        `The current content of \`${target.testFile}\``,
        fence,
        truncate(input.existingTestFile, MAX_EXISTING_CHARS),
      ),
    );

  return {
    messages: [
      { role: 'system', content: system },
      { role: 'user', content: parts.join('\n\n') },
    ],
    fenceLanguage: fence,
    strategy,
  };
}

/** The follow-up after the generated tests failed: the failure output, asking for the whole corrected file. */
export function buildRepairMessages(
  prompt: TestGenPrompt,
  proposedFile: string,
  failureOutput: string,
  testFile: string,
): ChatMessage[] {
  // The tail holds the failures and the summary; the head of a long run is mostly passing tests.
  const output = failureOutput.length > 6_000 ? `…\n${failureOutput.slice(-6_000)}` : failureOutput;
  return [
    ...prompt.messages,
    { role: 'assistant', content: section('', prompt.fenceLanguage, proposedFile).trim() },
    {
      role: 'user',
      content: [
        `Running the tests in \`${testFile}\` failed with this output:`,
        '```text',
        output.trimEnd(),
        '```',
        'Fix the tests (not the code under test) so that they pass, keeping the ones that pass.',
        `Answer with the complete corrected content of \`${testFile}\` in one fenced code block.`,
      ].join('\n'),
    },
  ];
}

function instructionFor(strategy: MergeStrategy, target: TestTarget, fence: string): string {
  switch (strategy) {
    case 'replace':
      return `Answer with the complete test file in one \`\`\`${fence} code block, including every import it needs.`;
    case 'append':
      if (target.layout === 'inline')
        return `Answer with a \`#[cfg(test)] mod tests\` module (with \`use super::*;\`) in one \`\`\`${fence} code block; it is appended to the source file.`;
      return (
        `The test file already exists (shown below). Answer with only the new tests and the imports they need, ` +
        `in one \`\`\`${fence} code block; they are appended to the file. Do not repeat existing tests, ` +
        `and give new tests names that are not used yet.` +
        (target.framework === 'unittest' ? ' Put them in a new unittest.TestCase class.' : '')
      );
    case 'class-body':
      return (
        `The test class already exists (shown below). Answer with only the new test methods (with their ` +
        `annotations) and any imports they need, in one \`\`\`${fence} code block; they are inserted into the class.`
      );
    case 'rust-tests-module':
      return (
        `The source file already has a \`mod tests\` module (shown below). Answer with only the new #[test] ` +
        `functions in one \`\`\`${fence} code block; they are inserted into that module.`
      );
  }
}

/** How the test file reaches the code under test, so the model does not guess a path. */
function importHintFor(target: TestTarget, sourcePath: string): string | undefined {
  if (target.layout === 'inline') return undefined;
  switch (target.framework) {
    case 'node:test':
    case 'mocha':
    case 'jest':
    case 'vitest': {
      let rel = posix.relative(posix.dirname(target.testFile), sourcePath);
      if (!rel.startsWith('.')) rel = `./${rel}`;
      // TypeScript resolves without the extension; JavaScript (ESM) needs it.
      if (/\.[cm]?tsx?$/.test(rel)) rel = rel.replace(/\.[cm]?tsx?$/, '');
      return `Import the code under test from '${rel}'.`;
    }
    case 'pytest':
    case 'unittest':
      return `Import the code under test from the module \`${sourcePath
        .replace(/\.py$/, '')
        .replace(/\//g, '.')
        .replace(/^src\./, '')}\`.`;
    case 'go-testing':
      return 'The test file is in the same package as the code under test.';
    case 'junit4':
    case 'junit5':
      return 'The test class is in the same package as the class under test.';
    case 'rust-test':
      return 'Integration tests reach the crate through its public API (`use <crate>::...`).';
  }
}

function section(title: string, fence: string, body: string): string {
  const ticks = body.includes('```') ? '````' : '```';
  return `${title ? `${title}:\n` : ''}${ticks}${fence}\n${body.replace(/\n+$/, '')}\n${ticks}`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}\n… (truncated)`;
}
