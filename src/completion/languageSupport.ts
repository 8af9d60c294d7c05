// Per-language facts the completion engine needs: which tree-sitter grammar parses a VS Code language id,
// which syntax nodes are definitions, imports and statement lists, the line comment used to embed
// context in a prompt, and the characters-per-token estimate behind the prompt's token budget.

/** What the engine knows about one language. Languages without a grammar still get comments and a budget. */
export interface LanguageSupport {
  /** Grammar file name inside the tree-sitter wasm folder, or undefined for plain text. */
  readonly grammar: string | undefined;
  readonly lineComment: string;
  /**
   * Average characters per model token for source code of this language. Measured roughly on BPE code
   * tokenizers (Qwen, StarCoder, DeepSeek): dense punctuation languages sit near 3, whitespace-heavy
   * ones near 4. It only has to be good enough to keep prompts inside the context window with margin.
   */
  readonly charsPerToken: number;
  /** Nodes that define something worth showing as a signature (functions, classes, types). */
  readonly definitionTypes: ReadonlySet<string>;
  /** Definitions whose whole text is the useful part (interfaces, structs, enums) when short. */
  readonly typeDefinitionTypes: ReadonlySet<string>;
  /** Top-level nodes that import or declare the module (kept when the prefix is truncated). */
  readonly importTypes: ReadonlySet<string>;
  /** Nodes that hold a list of statements or members: a blank line inside one starts a new statement. */
  readonly blockTypes: ReadonlySet<string>;
  /** Blocks are delimited by indentation rather than brackets (Python). */
  readonly indentBlocks: boolean;
}

const set = (...items: string[]): ReadonlySet<string> => new Set(items);

const jsLike: Omit<LanguageSupport, 'grammar'> = {
  lineComment: '//',
  charsPerToken: 3.3,
  definitionTypes: set(
    'function_declaration',
    'generator_function_declaration',
    'method_definition',
    'class_declaration',
    'abstract_class_declaration',
    'interface_declaration',
    'type_alias_declaration',
    'enum_declaration',
    'function_signature',
    'method_signature',
    'abstract_method_signature',
    'lexical_declaration',
  ),
  typeDefinitionTypes: set('interface_declaration', 'type_alias_declaration', 'enum_declaration'),
  importTypes: set('import_statement'),
  blockTypes: set('statement_block', 'class_body', 'program', 'switch_body', 'interface_body', 'object_type'),
  indentBlocks: false,
};

const plain: LanguageSupport = {
  grammar: undefined,
  lineComment: '//',
  charsPerToken: 3.5,
  definitionTypes: set(),
  typeDefinitionTypes: set(),
  importTypes: set(),
  blockTypes: set(),
  indentBlocks: false,
};

const table: Record<string, LanguageSupport> = {
  typescript: { ...jsLike, grammar: 'tree-sitter-typescript.wasm' },
  typescriptreact: { ...jsLike, grammar: 'tree-sitter-tsx.wasm' },
  javascript: { ...jsLike, grammar: 'tree-sitter-javascript.wasm', charsPerToken: 3.4 },
  javascriptreact: { ...jsLike, grammar: 'tree-sitter-javascript.wasm', charsPerToken: 3.4 },
  python: {
    grammar: 'tree-sitter-python.wasm',
    lineComment: '#',
    charsPerToken: 3.8,
    definitionTypes: set('function_definition', 'class_definition'),
    typeDefinitionTypes: set(),
    importTypes: set('import_statement', 'import_from_statement', 'future_import_statement'),
    blockTypes: set('block', 'module'),
    indentBlocks: true,
  },
  go: {
    grammar: 'tree-sitter-go.wasm',
    lineComment: '//',
    charsPerToken: 3.4,
    definitionTypes: set('function_declaration', 'method_declaration', 'type_declaration'),
    typeDefinitionTypes: set('type_declaration'),
    importTypes: set('package_clause', 'import_declaration'),
    blockTypes: set('block', 'source_file', 'statement_list'),
    indentBlocks: false,
  },
  java: {
    grammar: 'tree-sitter-java.wasm',
    lineComment: '//',
    charsPerToken: 3.6,
    definitionTypes: set(
      'method_declaration',
      'constructor_declaration',
      'class_declaration',
      'interface_declaration',
      'enum_declaration',
      'record_declaration',
    ),
    typeDefinitionTypes: set('interface_declaration', 'enum_declaration', 'record_declaration'),
    importTypes: set('package_declaration', 'import_declaration'),
    blockTypes: set('block', 'class_body', 'program', 'constructor_body', 'interface_body', 'enum_body'),
    indentBlocks: false,
  },
  rust: {
    grammar: 'tree-sitter-rust.wasm',
    lineComment: '//',
    charsPerToken: 3.3,
    definitionTypes: set(
      'function_item',
      'function_signature_item',
      'struct_item',
      'enum_item',
      'trait_item',
      'impl_item',
      'type_item',
      'mod_item',
    ),
    typeDefinitionTypes: set('struct_item', 'enum_item', 'type_item'),
    importTypes: set('use_declaration', 'extern_crate_declaration'),
    blockTypes: set('block', 'declaration_list', 'source_file', 'field_declaration_list'),
    indentBlocks: false,
  },
  cpp: {
    grammar: 'tree-sitter-cpp.wasm',
    lineComment: '//',
    charsPerToken: 3.2,
    definitionTypes: set('function_definition', 'class_specifier', 'struct_specifier', 'enum_specifier'),
    typeDefinitionTypes: set('struct_specifier', 'enum_specifier'),
    importTypes: set('preproc_include', 'using_declaration', 'alias_declaration'),
    blockTypes: set('compound_statement', 'translation_unit', 'field_declaration_list', 'declaration_list'),
    indentBlocks: false,
  },
  csharp: {
    grammar: 'tree-sitter-c-sharp.wasm',
    lineComment: '//',
    charsPerToken: 3.6,
    definitionTypes: set(
      'method_declaration',
      'constructor_declaration',
      'class_declaration',
      'interface_declaration',
      'struct_declaration',
      'record_declaration',
      'enum_declaration',
    ),
    typeDefinitionTypes: set('interface_declaration', 'enum_declaration', 'record_declaration'),
    importTypes: set('using_directive'),
    blockTypes: set('block', 'declaration_list', 'compilation_unit'),
    indentBlocks: false,
  },
  ruby: {
    grammar: 'tree-sitter-ruby.wasm',
    lineComment: '#',
    charsPerToken: 3.7,
    definitionTypes: set('method', 'singleton_method', 'class', 'module'),
    typeDefinitionTypes: set(),
    importTypes: set(),
    blockTypes: set('body_statement', 'program'),
    indentBlocks: false,
  },
  php: {
    ...plain,
    grammar: 'tree-sitter-php.wasm',
    definitionTypes: set('function_definition', 'class_declaration', 'method_declaration'),
  },
  shellscript: {
    ...plain,
    grammar: 'tree-sitter-bash.wasm',
    lineComment: '#',
    definitionTypes: set('function_definition'),
  },
};

// Languages without a grammar here still need the right comment syntax for embedded context.
const hashComment = new Set(['yaml', 'toml', 'dockerfile', 'makefile', 'perl', 'r', 'powershell', 'elixir']);
const dashComment = new Set(['sql', 'lua', 'haskell']);

/** The support record for a VS Code language id; unknown languages fall back to plain text. */
export function languageSupport(languageId: string): LanguageSupport {
  const known = table[languageId];
  if (known !== undefined) return known;
  if (hashComment.has(languageId)) return { ...plain, lineComment: '#' };
  if (dashComment.has(languageId)) return { ...plain, lineComment: '--' };
  return plain;
}

/** Language ids that get a real syntax tree. */
export const parsedLanguageIds: readonly string[] = Object.keys(table).filter(
  (id) => table[id]?.grammar !== undefined,
);
