// Maps a JSON pointer (ajv's instancePath) back to a line and column of the YAML or JSON text it came from,
// so that a security team sees "line 14, rules[2].action" rather than a pointer into a parsed object.
import { load } from 'js-yaml';

/** A 1-based position in the policy source. */
export interface SourcePosition {
  line: number;
  column: number;
}

interface SourceNode {
  offset: number;
  kind: string;
  result: unknown;
  children: SourceNode[];
}

/** Locates nodes of one parsed document. Built once per document; lookups are cheap. */
export class SourceLocator {
  private constructor(
    private readonly text: string,
    private readonly root: SourceNode | undefined,
    private readonly lineStarts: number[],
  ) {}

  /** Parses `text` (YAML or JSON) a second time with js-yaml's node listener to record where each node starts. */
  static build(text: string): SourceLocator {
    const lineStarts = [0];
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
    const stack: SourceNode[] = [{ offset: 0, kind: 'document', result: undefined, children: [] }];
    try {
      load(text, {
        listener(event, state) {
          if (event === 'open') {
            stack.push({ offset: state.position, kind: '', result: undefined, children: [] });
            return;
          }
          const node = stack.pop();
          const parent = stack[stack.length - 1];
          if (!node || !parent) return;
          node.kind = state.kind;
          node.result = state.result;
          // js-yaml composes some nodes twice (an outer wrapper around the real collection): keep the inner one.
          const only = node.children.length === 1 ? node.children[0] : undefined;
          parent.children.push(only && only.result === node.result && only.kind === node.kind ? only : node);
        },
      });
    } catch {
      return new SourceLocator(text, undefined, lineStarts);
    }
    return new SourceLocator(text, stack[0]?.children[0], lineStarts);
  }

  /**
   * The position of the value at `pointer` (`/rules/2/action`), or of the property `key` inside it when
   * given (the missing or unexpected property of an ajv error). Falls back to the nearest ancestor found.
   */
  locate(pointer: string, key?: string): SourcePosition {
    const segments = pointer === '' ? [] : pointer.split('/').slice(1).map(unescapePointer);
    if (key !== undefined) segments.push(key);
    let node = this.root;
    let best = node ? node.offset : 0;
    for (const segment of segments) {
      if (!node) break;
      const next = this.child(node, segment);
      if (!next) break;
      best = next.keyOffset;
      node = next.value;
    }
    return this.position(best);
  }

  private child(node: SourceNode, segment: string): { keyOffset: number; value: SourceNode } | undefined {
    if (node.kind === 'mapping') {
      for (let i = 0; i + 1 < node.children.length; i += 2) {
        const keyNode = node.children[i];
        const valueNode = node.children[i + 1];
        if (keyNode && valueNode && String(keyNode.result) === segment) {
          return { keyOffset: keyNode.offset, value: valueNode };
        }
      }
      return undefined;
    }
    if (node.kind === 'sequence') {
      const item = node.children[Number(segment)];
      return item ? { keyOffset: item.offset, value: item } : undefined;
    }
    return undefined;
  }

  private position(offset: number): SourcePosition {
    // Node offsets can sit before the whitespace that precedes the node; skip it so the line is the node's own.
    let at = offset;
    while (at < this.text.length && /[\s,:-]/.test(this.text.charAt(at))) at++;
    if (at >= this.text.length) at = offset;
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.lineStarts[mid] ?? 0) <= at) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: at - (this.lineStarts[low] ?? 0) + 1 };
  }
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}
