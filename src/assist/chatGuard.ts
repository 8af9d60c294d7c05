// What the chat needs from the compliance guard, as a small interface the extension fills with the real guard,
// and a pass-through implementation for when no policy applies. Every outgoing message is scanned before it is
// sent, and the streamed answer is scanned as it arrives; what the guard did is shown in the conversation.

export type ChatGuardDecision = 'allow' | 'redact' | 'block' | 'warn';

export interface ChatScanContext {
  feature: 'chat';
  /** Workspace-relative path of the main file the message is about, when there is one. */
  filePath?: string;
  languageId?: string;
}

/** One rule that fired; never carries the matched value. */
export interface ChatGuardFinding {
  ruleId: string;
  message: string;
}

export interface ChatInputScan {
  decision: ChatGuardDecision;
  /** The text to send: redacted when the decision is `redact`. */
  text: string;
  findings: ChatGuardFinding[];
  /** One line for the user saying what was done and why. */
  notice?: string;
}

export interface ChatOutputStep {
  /** Text that is safe to show now. */
  text: string;
  /** Set when something was redacted, held back or blocked. */
  notice?: string;
  /** True once the answer is blocked: nothing more is shown and the request is stopped. */
  blocked?: boolean;
}

export interface ChatOutputScanner {
  push(chunk: string): ChatOutputStep;
  /** Releases what was held back at the end of the stream. */
  end(): ChatOutputStep;
}

export interface ChatGuard {
  /** May be asynchronous: a policy can ask a moderation endpoint. */
  scanInput(text: string, ctx: ChatScanContext): ChatInputScan | Promise<ChatInputScan>;
  createOutputScanner(ctx: ChatScanContext): ChatOutputScanner;
  /**
   * Puts back the original values of placeholders the guard put into this session's prompts, for code the user
   * inserts or applies. Runs locally; absent when the guard does not redact reversibly.
   */
  restore?(text: string): string;
}

/** Lets everything through unchanged; used until the real guard is connected. */
export const PASS_THROUGH_GUARD: ChatGuard = {
  scanInput: (text) => ({ decision: 'allow', text, findings: [] }),
  createOutputScanner: () => ({
    push: (chunk) => ({ text: chunk }),
    end: () => ({ text: '' }),
  }),
};

/** The user-facing line for an input decision, from the guard's own notice or else from the findings. */
export function describeInputScan(scan: ChatInputScan): string {
  if (scan.notice) return scan.notice;
  const rules = [...new Set(scan.findings.map((f) => f.message || f.ruleId))].join('; ');
  const because = rules ? `: ${rules}` : '';
  switch (scan.decision) {
    case 'block':
      return `Not sent: the compliance policy blocks this message${because}.`;
    case 'redact':
      return `Sensitive values were replaced before sending${because}.`;
    case 'warn':
      return `The compliance policy flagged this message${because}.`;
    case 'allow':
      return '';
  }
}
