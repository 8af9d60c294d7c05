// The organisation policy served over HTTP: conditional re-fetches, the last good copy, and fail-closed when
// the policy is required, against a real HTTP server on 127.0.0.1.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadPolicyLayers } from '../../../src/guard/policyLoader';
import { MAX_POLICY_BYTES } from '../../../src/guard/policyFetch';
import { REQUIRED_POLICY_GRACE_MS, RemotePolicy } from '../../../src/guard/remotePolicy';
import { AWS_KEY, TEST_DETECTORS } from './guardTestSupport';

const V1 = 'version: 1\nrules:\n  - id: org-keys\n    detector: aws-access-key\n    action: block\n';
const V2 = 'version: 1\nrules:\n  - id: org-keys-v2\n    detector: aws-access-key\n    action: block\n';

interface Served {
  status: number;
  body: string;
  etag?: string;
  lastModified?: string;
}

describe('remote organisation policy', () => {
  let server: Server;
  let url = '';
  let served: Served = { status: 200, body: V1 };
  const seen: IncomingHttpHeaders[] = [];

  before(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers);
      const { status, body, etag, lastModified } = served;
      if (status === 200 && etag !== undefined && req.headers['if-none-match'] === etag) {
        res.writeHead(304, { etag });
        res.end();
        return;
      }
      if (status === 200 && etag === undefined && lastModified !== undefined) {
        if (req.headers['if-modified-since'] === lastModified) {
          res.writeHead(304, { 'last-modified': lastModified });
          res.end();
          return;
        }
      }
      res.writeHead(status, {
        'content-type': 'application/yaml',
        ...(etag !== undefined ? { etag } : {}),
        ...(lastModified !== undefined ? { 'last-modified': lastModified } : {}),
      });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/policy.yaml`;
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  beforeEach(() => {
    seen.length = 0;
  });

  const decisionWith = (source: ReturnType<RemotePolicy['sourceFor']>, required: boolean) => {
    const loaded = loadPolicyLayers({
      builtin: false,
      organisation: source,
      organisationRequired: required,
      detectors: TEST_DETECTORS,
    });
    const scan = loaded.guard.scanInput(`key = ${AWS_KEY}`, { feature: 'chat' });
    return {
      failClosed: loaded.failClosed,
      decision: scan.decision,
      rules: scan.findings.map((f) => f.ruleId),
    };
  };

  it('re-fetches with If-None-Match and keeps the copy on 304; a new version replaces it', async () => {
    served = { status: 200, body: V1, etag: '"v1"' };
    const remote = new RemotePolicy(url);
    const first = await remote.refresh();
    assert.equal(first.outcome, 'fetched');
    assert.equal(first.changed, true);
    assert.equal(seen[0]?.['if-none-match'], undefined, 'nothing to validate against on the first fetch');

    const again = await remote.refresh();
    assert.equal(again.outcome, 'not-modified');
    assert.equal(again.changed, false, 'a 304 does not rebuild the guard');
    assert.equal(seen[1]?.['if-none-match'], '"v1"');
    assert.deepEqual(decisionWith(remote.sourceFor(again, true), true).rules, ['org-keys']);

    served = { status: 200, body: V2, etag: '"v2"' };
    const updated = await remote.refresh();
    assert.equal(updated.outcome, 'fetched');
    assert.equal(updated.changed, true);
    assert.deepEqual(decisionWith(remote.sourceFor(updated, true), true).rules, ['org-keys-v2']);
  });

  it('uses If-Modified-Since when the server sends Last-Modified only', async () => {
    const stamp = 'Wed, 01 Jan 2025 00:00:00 GMT';
    served = { status: 200, body: V1, lastModified: stamp };
    const remote = new RemotePolicy(url);
    await remote.refresh();
    const again = await remote.refresh();
    assert.equal(seen[1]?.['if-modified-since'], stamp);
    assert.equal(again.outcome, 'not-modified');
  });

  it('keeps a required policy through an outage for the grace period, then fails closed; invalid fails closed at once', async () => {
    let now = Date.parse('2026-11-02T09:00:00Z');
    served = { status: 200, body: V1, etag: '"v1"' };
    const remote = new RemotePolicy(url, { clock: () => now });
    await remote.refresh();

    // A VPN drop or a server restart: the organisation's own last copy stays in force.
    served = { status: 503, body: 'maintenance' };
    now += 60 * 60_000;
    const down = await remote.refresh();
    assert.equal(down.outcome, 'failed');
    assert.equal(down.changed, true);
    assert.deepEqual(decisionWith(remote.sourceFor(down, true), true), {
      failClosed: false,
      decision: 'block',
      rules: ['org-keys'],
    });

    // Past the grace, counted from the last time the server confirmed the copy, requests are refused.
    now += REQUIRED_POLICY_GRACE_MS;
    const stillDown = await remote.refresh();
    assert.equal(stillDown.changed, true, 'crossing the end of the grace reloads the guard');
    assert.deepEqual(decisionWith(remote.sourceFor(stillDown, true), true), {
      failClosed: true,
      decision: 'block',
      rules: ['policy-unavailable'],
    });

    // The server is back and confirms the copy (304): in force again, and the grace starts over.
    served = { status: 200, body: V1, etag: '"v1"' };
    const back = await remote.refresh();
    assert.equal(back.outcome, 'not-modified');
    assert.equal(decisionWith(remote.sourceFor(back, true), true).failClosed, false);

    // An answer that is not a valid policy is the organisation's mistake, not an outage: refused at once.
    served = {
      status: 200,
      body: 'version: 1\nrules:\n  - id: broken\n    action: explode\n',
      etag: '"bad"',
    };
    const invalid = await remote.refresh();
    assert.equal(invalid.outcome, 'fetched');
    assert.equal(decisionWith(remote.sourceFor(invalid, true), true).failClosed, true);
    // The broken copy is not a validator for later requests: the next one asks for the last good version.
    await remote.refresh();
    assert.equal(seen.at(-1)?.['if-none-match'], '"v1"');

    served = { status: 200, body: V2, etag: '"v2"' };
    const fixed = await remote.refresh();
    assert.deepEqual(decisionWith(remote.sourceFor(fixed, true), true).rules, ['org-keys-v2']);
  });

  it('refuses an oversized answer and never repeats a query string (it may carry a token)', async () => {
    served = { status: 200, body: `# ${'x'.repeat(MAX_POLICY_BYTES)}\n${V1}` };
    const remote = new RemotePolicy(`${url}?sig=secret-token`);
    const big = await remote.refresh();
    assert.equal(big.outcome, 'failed');
    assert.match(big.latest.error ?? '', /larger than/);
    assert.ok(!big.latest.origin.includes('secret-token'), big.latest.origin);
    assert.ok(big.latest.origin.startsWith(url));
  });

  it('keeps the last good copy in force for an optional policy when a refresh fails or is invalid', async () => {
    served = { status: 200, body: V1, etag: '"v1"' };
    const remote = new RemotePolicy(url);
    await remote.refresh();

    served = { status: 500, body: '' };
    const down = await remote.refresh();
    assert.deepEqual(decisionWith(remote.sourceFor(down, false), false).rules, ['org-keys']);

    served = { status: 200, body: 'rules: [', etag: '"garbled"' };
    const garbled = await remote.refresh();
    assert.deepEqual(decisionWith(remote.sourceFor(garbled, false), false).rules, ['org-keys']);
  });

  it('reports a refused connection as unreadable, and shares one request between concurrent callers', async () => {
    served = { status: 200, body: V1, etag: '"v1"' };
    const remote = new RemotePolicy(url);
    const [a, b] = await Promise.all([remote.refresh(), remote.refresh()]);
    assert.equal(seen.length, 1);
    assert.equal(a, b);
    // Young enough: answered from memory, no request.
    const cached = await remote.refresh(60_000);
    assert.equal(seen.length, 1);
    assert.equal(cached.changed, false);

    const closed = new RemotePolicy('http://127.0.0.1:9/policy.yaml', { timeoutMs: 2_000 });
    const refused = await closed.refresh();
    assert.equal(refused.outcome, 'failed');
    assert.ok(refused.latest.error);
    assert.deepEqual(decisionWith(closed.sourceFor(refused, false), false).rules, []);
  });
});
