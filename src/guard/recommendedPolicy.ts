// The built-in recommended policy: the lowest layer, active when nobody configured anything. Users and
// workspaces may change it freely; an organisation policy replaces or tightens it.
//
// Why these actions:
// - Secrets in a prompt are redacted, not blocked: asking about code that happens to hold a key is normal, the
//   model does not need the key to answer, and the placeholder is put back locally when the answer is inserted.
// - Secrets in an answer are redacted too: the model never saw the user's keys, so a credential in its output is
//   memorised or invented, and dropping just that string keeps the rest of the answer useful.
// - Private keys are blocked both ways: a key block in a prompt means a key file is being sent, which no
//   placeholder makes right.
// - Personal data is redacted in prompts but only warned about in answers, where it is mostly sample data in
//   generated tests (jane@example.com) that redaction would break.
// - Key and credential files are refused by path before they are read; the scope rule only warns by default.
import type { PolicyDocument } from './policySchema';

export const RECOMMENDED_POLICY: PolicyDocument = {
  version: 1,
  name: 'Aegis recommended',
  mode: 'enforce',
  rules: [
    {
      id: 'private-keys',
      description: 'Private key blocks (PEM, OpenSSH, PGP).',
      detector: 'secret:*private*',
      direction: 'both',
      action: 'block',
      severity: 'critical',
      message: 'A private key must never be sent to or accepted from a model.',
    },
    {
      id: 'secrets-input',
      description: 'Credentials in prompts: replaced by placeholders, restored locally.',
      detector: 'secret:*',
      direction: 'input',
      action: 'redact',
      severity: 'high',
      message: 'A credential was replaced by a placeholder before the request left this machine.',
    },
    {
      id: 'secrets-output',
      description: 'Credential-like strings in model answers.',
      detector: 'secret:*',
      direction: 'output',
      action: 'redact',
      severity: 'high',
      message: 'A credential-like string in the answer was removed.',
    },
    {
      id: 'pii-input',
      description: 'Personal data in prompts.',
      detector: 'pii:*',
      direction: 'input',
      action: 'redact',
      severity: 'medium',
      message: 'Personal data was replaced by a placeholder before the request left this machine.',
    },
    {
      id: 'pii-output',
      description: 'Personal data in model answers (often sample data).',
      detector: 'pii:*',
      direction: 'output',
      action: 'warn',
      severity: 'low',
      message: 'The answer contains what looks like personal data.',
    },
    {
      id: 'sensitive-files',
      description: 'Files that hold keys or credentials are never sent.',
      paths: [
        '**/.env',
        '**/.env.*',
        '**/*.pem',
        '**/*.key',
        '**/*.p12',
        '**/*.pfx',
        '**/*.jks',
        '**/*.keystore',
        '**/id_rsa',
        '**/id_dsa',
        '**/id_ecdsa',
        '**/id_ed25519',
        '**/.ssh/**',
        '**/.aws/credentials',
        '**/.netrc',
        '**/.npmrc',
        '**/.pypirc',
        'secrets/**',
        '**/secrets/**',
      ],
      direction: 'input',
      action: 'block',
      severity: 'critical',
      message: 'This file holds keys or credentials and is never sent to a model.',
    },
  ],
  allowlist: [
    {
      id: 'env-templates',
      rules: ['sensitive-files'],
      paths: ['**/.env.example', '**/.env.sample', '**/.env.template'],
      reason: 'Templates document variable names, not values.',
    },
  ],
  scope: {
    enabled: true,
    action: 'warn',
    features: ['chat'],
    classifier: 'heuristic',
    message: 'This assistant is for software engineering questions.',
  },
};
