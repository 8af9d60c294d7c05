// The guard policy editor and playground page: the effective policy with each rule's layer, the refused
// changes and problems, a playground whose text is scanned by the extension (findings come back as positions
// and are highlighted here), and an editor that validates and saves the user or workspace policy. Built with
// the DOM and textContent only: nothing that arrives is ever parsed as HTML. Talks to the extension only
// through the policy editor protocol.
import { POLICY_EDITOR_STRING_KEYS, parseHostMessage } from '../../src/guard/policyEditorProtocol';
import type {
  EditableLayer,
  FindingRow,
  HostMessage,
  IssueRow,
  PageMessage,
  PlaygroundDirection,
  PlaygroundFeature,
  PolicyEditorStrings,
  PolicyView,
} from '../../src/guard/policyEditorProtocol';

interface VsCodeApi {
  postMessage(message: PageMessage): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const post = (message: PageMessage): void => vscode.postMessage(message);

// Labels arrive translated in `init`; until then they are empty rather than English.
let t: PolicyEditorStrings = Object.fromEntries(
  POLICY_EDITOR_STRING_KEYS.map((key) => [key, '']),
) as PolicyEditorStrings;
let nextRequest = 1;
let lastScan = 0;
let lastValidation = 0;
let scanTimer: ReturnType<typeof setTimeout> | undefined;

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { className?: string; text?: string; id?: string } = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.id) node.id = props.id;
  if (props.text !== undefined) node.textContent = props.text;
  for (const child of children) node.append(child);
  return node;
}

function labelled<T extends HTMLElement>(id: string, label: () => string, control: T): HTMLElement {
  control.id = id;
  const caption = el('label', { className: 'caption' });
  caption.htmlFor = id;
  labels.push(() => (caption.textContent = label()));
  return el('div', { className: 'field' }, caption, control);
}

function option(value: string, label: () => string): HTMLOptionElement {
  const node = el('option');
  node.value = value;
  labels.push(() => (node.textContent = label()));
  return node;
}

function heading(level: 'h1' | 'h2', label: () => string): HTMLElement {
  const node = el(level);
  labels.push(() => (node.textContent = label()));
  return node;
}

function button(label: () => string, onClick: () => void): HTMLButtonElement {
  const node = el('button', { className: 'button' });
  node.type = 'button';
  node.addEventListener('click', onClick);
  labels.push(() => (node.textContent = label()));
  return node;
}

/** Re-applied when the translated strings arrive. */
const labels: (() => void)[] = [];

// --- layout ---------------------------------------------------------------------------------------------

const app = document.getElementById('app') ?? document.body;

const summary = el('p', { className: 'summary', id: 'policy-summary' });
const failure = el('p', { className: 'failure', id: 'policy-failure' });
failure.setAttribute('role', 'alert');
failure.hidden = true;
const sources = el('ul', { className: 'sources', id: 'policy-sources' });
const rulesTable = el('table', { className: 'rules', id: 'policy-rules' });
const violations = el('ul', { className: 'violations', id: 'policy-violations' });
const policyIssues = el('ul', { className: 'issues', id: 'policy-issues' });

const playgroundText = el('textarea', { className: 'text' });
playgroundText.rows = 8;
playgroundText.spellcheck = false;
const direction = el('select');
direction.append(
  option('input', () => t.input),
  option('output', () => t.output),
);
const feature = el('select');
for (const name of ['chat', 'completion', 'tests', 'diagnosis'] as const)
  feature.append(option(name, () => name));
const filePath = el('input');
filePath.type = 'text';
const decision = el('p', { className: 'decision', id: 'playground-decision' });
decision.setAttribute('aria-live', 'polite');
const highlighted = el('pre', { className: 'highlighted', id: 'playground-highlighted' });
highlighted.setAttribute('aria-hidden', 'true');
const findingsList = el('ol', { className: 'findings', id: 'playground-findings' });

const layer = el('select');
layer.append(
  option('workspace', () => 'workspace'),
  option('user', () => 'user'),
);
const layerOrigin = el('p', { className: 'origin', id: 'editor-origin' });
const policyText = el('textarea', { className: 'policy-text' });
policyText.rows = 14;
policyText.spellcheck = false;
const editorStatus = el('p', { className: 'editor-status', id: 'editor-status' });
editorStatus.setAttribute('aria-live', 'polite');
const editorIssues = el('ul', { className: 'issues', id: 'editor-issues' });
const saveButton = button(
  () => t.save,
  () =>
    post({
      type: 'save',
      requestId: nextRequest++,
      layer: layer.value as EditableLayer,
      text: policyText.value,
    }),
);

app.append(
  el(
    'header',
    { className: 'top' },
    heading('h1', () => t.title),
    button(
      () => t.reload,
      () => post({ type: 'reload' }),
    ),
  ),
  el(
    'section',
    { className: 'panel', id: 'section-playground' },
    heading('h2', () => t.playground),
    el('p', { className: 'hint' }, ''),
    labelled('playground-text', () => t.text, playgroundText),
    el(
      'div',
      { className: 'row' },
      labelled('playground-direction', () => t.direction, direction),
      labelled('playground-feature', () => t.feature, feature),
      labelled('playground-path', () => t.filePath, filePath),
    ),
    decision,
    highlighted,
    findingsList,
  ),
  el(
    'section',
    { className: 'panel', id: 'section-policy' },
    heading('h2', () => t.effectivePolicy),
    summary,
    failure,
    heading('h2', () => t.layers),
    sources,
    rulesTable,
    heading('h2', () => t.violations),
    violations,
    heading('h2', () => t.issues),
    policyIssues,
  ),
  el(
    'section',
    { className: 'panel', id: 'section-editor' },
    heading('h2', () => t.editor),
    labelled('editor-layer', () => t.editLayer, layer),
    layerOrigin,
    labelled('editor-text', () => t.policyText, policyText),
    el(
      'div',
      { className: 'row' },
      button(
        () => t.validate,
        () => {
          lastValidation = nextRequest++;
          post({ type: 'validate', requestId: lastValidation, text: policyText.value });
        },
      ),
      saveButton,
    ),
    editorStatus,
    editorIssues,
  ),
);
const hint = app.querySelector('.hint');
labels.push(() => {
  if (hint) hint.textContent = t.playgroundHint;
});

// --- behaviour ------------------------------------------------------------------------------------------

function scheduleScan(): void {
  if (scanTimer) clearTimeout(scanTimer);
  scanTimer = setTimeout(() => {
    lastScan = nextRequest++;
    post({
      type: 'scan',
      requestId: lastScan,
      text: playgroundText.value,
      direction: direction.value as PlaygroundDirection,
      feature: feature.value as PlaygroundFeature,
      ...(filePath.value.trim() ? { filePath: filePath.value.trim() } : {}),
    });
  }, 150);
}

for (const control of [playgroundText, filePath]) control.addEventListener('input', scheduleScan);
for (const control of [direction, feature]) control.addEventListener('change', scheduleScan);
/** The text area holds edits not yet saved: a reload of the same layer (a file watcher, a late answer) must not
 * throw them away. Choosing another layer is the user's own request to load it. */
let unsaved = false;
policyText.addEventListener('input', () => {
  unsaved = true;
});
layer.addEventListener('change', () => {
  unsaved = false;
  post({ type: 'load', layer: layer.value as EditableLayer });
});
policyText.addEventListener('keydown', (event) => {
  // Ctrl/Cmd+S saves the policy, as in an editor; Tab stays the way out of the text area.
  if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 's') {
    event.preventDefault();
    saveButton.click();
  }
});

function renderHighlights(text: string, findings: readonly FindingRow[]): void {
  highlighted.replaceChildren();
  const spans = findings.filter((f) => f.end > f.start).sort((a, b) => a.start - b.start);
  let at = 0;
  for (const finding of spans) {
    if (finding.start < at) continue;
    highlighted.append(text.slice(at, finding.start));
    const mark = el('mark', {
      className: `finding action-${finding.action}`,
      text: text.slice(finding.start, finding.end),
    });
    mark.title = `${finding.ruleId} · ${finding.category} · ${finding.action}`;
    highlighted.append(mark);
    at = finding.end;
  }
  highlighted.append(text.slice(at));
}

function renderScan(message: Extract<HostMessage, { type: 'scanResult' }>): void {
  if (message.requestId !== lastScan) return;
  const text = playgroundText.value;
  const shown = message.monitoredDecision
    ? `${message.decision} (${message.monitoredDecision})`
    : message.decision;
  decision.textContent = `${t.decision}: ${shown}`;
  decision.className = `decision decision-${message.monitoredDecision ?? message.decision}`;
  renderHighlights(text, message.findings);
  findingsList.replaceChildren();
  if (message.findings.length === 0) {
    findingsList.append(el('li', { className: 'empty', text: t.noFindings }));
    return;
  }
  for (const f of message.findings) {
    const item = el(
      'li',
      { className: `finding-row action-${f.action}` },
      el('span', { className: 'rule', text: f.ruleId }),
      el('span', { className: 'badge', text: `${t.category}: ${f.category}` }),
      el('span', { className: `badge action-${f.action}`, text: `${t.action}: ${f.action}` }),
      el('span', { className: 'badge', text: `${t.position}: ${f.line}:${f.column}` }),
      el('span', { className: 'badge', text: `${t.layer}: ${f.layer}` }),
      el('div', { className: 'message', text: f.message }),
    );
    item.tabIndex = 0;
    item.dataset.rule = f.ruleId;
    item.dataset.category = f.category;
    item.dataset.action = f.action;
    item.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') selectFinding(f);
    });
    item.addEventListener('click', () => selectFinding(f));
    findingsList.append(item);
  }
}

/** Selects the finding's text in the text area, so a keyboard user sees where it is. */
function selectFinding(f: FindingRow): void {
  playgroundText.focus();
  playgroundText.setSelectionRange(f.start, Math.max(f.end, f.start));
}

function issueLine(issue: IssueRow): string {
  const field = issue.field ? ` ${issue.field}:` : '';
  return `${issue.origin}:${issue.line}:${issue.column}:${field} ${issue.message}`;
}

function renderIssues(target: HTMLElement, issues: readonly IssueRow[]): void {
  target.replaceChildren(...issues.map((issue) => el('li', { text: issueLine(issue) })));
}

function renderPolicy(view: PolicyView): void {
  summary.textContent = `${t.mode}: ${view.mode} (${view.modeLayer})${view.exceptionContact ? ` · ${t.exceptionContact}: ${view.exceptionContact}` : ''}`;
  failure.hidden = view.failure === undefined;
  failure.textContent = view.failure ? `${t.failClosed}: ${view.failure}` : '';
  sources.replaceChildren(
    ...view.sources.map((s) => el('li', { text: `${s.layer}: ${s.origin} (${s.status})` })),
  );

  const head = el('tr');
  for (const key of ['rule', 'matcher', 'direction', 'action', 'severity', 'layer'] as const) {
    const th = el('th', { text: t[key] });
    th.scope = 'col';
    head.append(th);
  }
  const body = el('tbody');
  for (const rule of view.rules) {
    const layerText = [
      `${rule.layer} (${rule.origin})`,
      rule.locked ? t.locked : '',
      rule.tightenedBy.length > 0 ? `${t.tightenedBy} ${rule.tightenedBy.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join(' · ');
    const row = el(
      'tr',
      { className: rule.locked ? 'locked' : '' },
      el('th', { text: rule.id }),
      el('td', { className: 'matcher', text: rule.matcher }),
      el('td', { text: rule.direction }),
      el('td', { className: `action-${rule.action}`, text: rule.action }),
      el('td', { text: rule.severity }),
      el('td', { text: layerText }),
    );
    if (rule.message) row.title = rule.message;
    body.append(row);
  }
  rulesTable.replaceChildren(el('thead', {}, head), body);

  violations.replaceChildren(
    ...(view.violations.length === 0
      ? [el('li', { className: 'empty', text: t.noViolations })]
      : view.violations.map((v) =>
          el('li', {
            text: `${v.layer} (${v.origin})${v.ruleId ? ` · ${v.ruleId}` : ''} · ${v.attempted}: ${v.message}`,
          }),
        )),
  );
  renderIssues(policyIssues, view.issues);
  if (playgroundText.value !== '') scheduleScan();
}

function handle(message: HostMessage): void {
  switch (message.type) {
    case 'init':
      t = message.strings;
      document.title = t.title;
      for (const apply of labels) apply();
      app.setAttribute('aria-busy', 'false');
      post({ type: 'load', layer: layer.value as EditableLayer });
      return;
    case 'policy':
      renderPolicy(message.view);
      return;
    case 'scanResult':
      renderScan(message);
      return;
    case 'validation':
      if (message.requestId !== lastValidation && message.ok) return;
      editorStatus.textContent = message.ok ? t.valid : '';
      renderIssues(editorIssues, message.issues);
      return;
    case 'layerText':
      // An answer for a layer the user has since switched away from is stale; so is any reload over unsaved edits.
      if (message.layer !== layer.value || unsaved) return;
      policyText.dataset.layer = message.layer;
      layerOrigin.textContent = message.editable ? message.origin : t.notEditable;
      policyText.value = message.text;
      policyText.readOnly = !message.editable;
      saveButton.disabled = !message.editable;
      editorStatus.textContent = '';
      editorIssues.replaceChildren();
      return;
    case 'saved':
      editorStatus.textContent = message.message;
      if (message.ok) {
        unsaved = false;
        editorIssues.replaceChildren();
      }
      return;
  }
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = parseHostMessage(event.data);
  if (message) handle(message);
});
post({ type: 'ready' });
