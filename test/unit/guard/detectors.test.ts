// The detector catalogue as a user of the guard sees it: which pasted text is reported, under which
// detector, with which span, and which look-alikes are left alone.
import assert from 'node:assert/strict';
import { builtInDetectors, KeywordPrefilter, runDetectors } from '../../../src/guard/keywordPrefilter';
import type { Finding } from '../../../src/guard/keywordPrefilter';
import {
  cnIdCheckChar,
  ibanMod97,
  isValidCnResidentId,
  isValidIban,
  luhnCheckDigit,
  luhnValid,
} from '../../../src/guard/detectors/piiChecksums';
import { createIpAddressDetector } from '../../../src/guard/detectors/piiDetectors';
import { secretDetectors } from '../../../src/guard/detectors/secretDetectors';

const detectors = builtInDetectors();
const prefilter = new KeywordPrefilter(detectors);
const scan = (text: string): Finding[] => runDetectors(text, detectors, prefilter);

// Assembled at run time so that no credential-shaped literal sits in the source.
const rep = (alphabet: string, n: number, seed = 7): string => {
  let s = '';
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    // The low bits of this LCG cycle quickly; the high bits are well mixed.
    s += alphabet.charAt((x >>> 16) % alphabet.length);
  }
  return s;
};
const AN = 'abcdefghijkmnopqrsuvwxyzABCDEFGHJKLMNPQRSUVWYZ23456789';
const HEX = '0123456789abcdef';

/** [detector id, text with the secret marked by ⟦ ⟧] */
const positives: [string, string][] = [
  ['aws-access-key-id', `AWS_ACCESS_KEY_ID=⟦AKIA${rep('ABCDEFGHJKLMNPQRSUVWYZ234567', 16)}⟧`],
  ['aws-secret-access-key', `aws_secret_access_key = ⟦${rep(AN + '+/', 40)}⟧`],
  ['gcp-api-key', `const key = "⟦AIza${rep(AN + '_-', 35)}⟧";`],
  [
    'azure-storage-account-key',
    `DefaultEndpointsProtocol=https;AccountName=x;AccountKey=⟦${rep(AN + '+/', 86)}==⟧;EndpointSuffix=core.windows.net`,
  ],
  ['alibaba-access-key-id', `ALIYUN_AK=⟦LTAI${rep(AN, 20)}⟧`],
  ['tencent-secret-id', `secretId: ⟦AKID${rep(AN, 32)}⟧`],
  ['github-pat', `git remote set-url origin https://⟦ghp_${rep(AN, 36)}⟧@github.com/a/b`],
  ['github-fine-grained-pat', `token: ⟦github_pat_${rep(AN, 22)}_${rep(AN, 59)}⟧`],
  ['gitlab-pat', `GITLAB_TOKEN=⟦glpat-${rep(AN, 20)}⟧`],
  ['npm-access-token', `//registry.npmjs.org/:_authToken=⟦npm_${rep(AN, 36)}⟧`],
  [
    'slack-webhook-url',
    `url = "⟦https://hooks.slack.com/services/T${rep('ABCDEFGH23456789', 10)}/B${rep('ABCDEFGH23456789', 10, 3)}/${rep(AN, 24)}⟧"`,
  ],
  ['stripe-secret-key', `Stripe.apiKey = "⟦sk_live_${rep(AN, 40)}⟧";`],
  ['openai-project-key', `OPENAI_API_KEY=⟦sk-proj-${rep(AN, 74)}T3BlbkFJ${rep(AN, 74, 9)}⟧`],
  ['anthropic-api-key', `ANTHROPIC_API_KEY=⟦sk-ant-api03-${rep(AN + '-_', 93)}AA⟧`],
  ['huggingface-token', `login(token="⟦hf_${rep(AN, 34)}⟧")`],
  ['deepseek-api-key', `api_key="⟦sk-${rep(HEX, 32)}⟧"`],
  ['digitalocean-pat', `DO_TOKEN=⟦dop_v1_${rep(HEX, 64)}⟧`],
  ['vault-service-token', `VAULT_TOKEN=⟦hvs.${rep(AN, 90)}⟧`],
  ['age-secret-key', `⟦AGE-SECRET-KEY-1${rep('QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L', 58)}⟧`],
  ['telegram-bot-token', `bot = Bot("⟦${rep('123456789', 10)}:AA${rep(AN + '_-', 33)}⟧")`],
  ['mailchimp-api-key', `MAILCHIMP_KEY=⟦${rep(HEX, 32)}-us14⟧`],
  [
    'pem-private-key',
    `⟦-----BEGIN RSA PRIVATE KEY-----\n${rep(AN + '+/', 64)}\n${rep(AN + '+/', 64, 3)}\n-----END RSA PRIVATE KEY-----⟧\n`,
  ],
  [
    'openssh-private-key',
    `⟦-----BEGIN OPENSSH PRIVATE KEY-----\n${rep(AN + '+/', 70)}\n${rep(AN, 40)}\n-----END OPENSSH PRIVATE KEY-----⟧`,
  ],
  ['postgres-connection-string', `DATABASE_URL=postgres://app:⟦Zq8v!k2Lp9⟧@db.internal:5432/app`],
  ['mongodb-connection-string', `mongodb+srv://admin:⟦Tr0ub4dor3x⟧@cluster0.mongodb.net/db`],
  ['redis-connection-string', `REDIS_URL=redis://:⟦n8Hq2Lx7Vb⟧@cache:6379/0`],
  ['jdbc-connection-string', `url=jdbc:mysql://db:3306/app?user=app&password=⟦Qw3rTy9z!⟧`],
  ['sqlserver-connection-string', `Server=tcp:sql,1433;Database=crm;User Id=crm;Password=⟦K9#mZp2qL⟧;`],
  ['url-credentials', `amqp://guest:⟦r4bb1tPw9⟧@mq.prod:5672/`],
  ['password-assignment', `DB_PASSWORD=⟦Sup3rS3cret!⟧`],
  ['password-assignment', `  password: "⟦h7Gk2LpQ9x⟧"`],
  ['password-assignment', `<password>⟦p4ssW0rd99z⟧</password>`],
  ['password-assignment', `const adminPassword = '⟦xK8#pQ2vLm⟧';`],
  ['generic-high-entropy-secret', `hmac_salt: "⟦${rep(AN + '+/', 44)}⟧"`],
];

/** Text that must produce no finding at all. */
const negatives: string[] = [
  'AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE',
  'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  'GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  'GITHUB_TOKEN=ghp_000000000000000000000000000000000000',
  'OPENAI_API_KEY=<your-api-key>',
  'OPENAI_API_KEY=${OPENAI_API_KEY}',
  'api_key: "{{ vault_api_key }}"',
  'const token = process.env.GITHUB_TOKEN;',
  'secret = os.environ["AWS_SECRET_ACCESS_KEY"]',
  'password: REDACTED',
  'DB_PASSWORD=changeme',
  'password = "test"',
  'password: string;',
  'const password = await getPassword(user);',
  'if (password == "") return;',
  'password = user_password',
  'max_tokens: 1024',
  'tokenizer = "cl100k_base"',
  'compass = "north-west-by-north"',
  'session_id = "3f2b8c1e-4d5a-4b6c-8d7e-9f0a1b2c3d4e"',
  `commit = "${rep(HEX, 40)}"`,
  `"integrity": "sha512-${rep(AN + '+/', 86)}=="`,
  `sha256 = "${rep(HEX, 64)}"`,
  'publicKey: "pk_live_51HqLyjWDarjtT1zdp7dcAbCdEf"',
  'postgres://user:password@localhost:5432/db',
  'mysql://root:${MYSQL_ROOT_PASSWORD}@db/app',
  '-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----',
  `-----BEGIN PUBLIC KEY-----\n${rep(AN + '+/', 64)}\n-----END PUBLIC KEY-----`,
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
  `data = "eyJ${rep(AN, 20)}.${rep(AN, 30)}.${rep(AN, 30)}"`,
  'git clone git@github.com:acme/widgets.git',
  'contact: user@example.com, noreply@github.com',
  'background: url("icon@2x.png")',
  'npm install lodash@4.17.21',
  'version 1.2.3.4 released; "typescript": "5.9.3"',
  'listening on 127.0.0.1:8080, db at 10.0.3.7, lan 192.168.1.20, docs 203.0.113.9, 2001:db8::1',
  'mac = "00:1A:2B:3C:4D:5E"; std::vector<int> v; t = "12:30:45"',
  'order_no: 20240115123456789',
  'phone: 12012345678 and ORD-13812345678',
  'created = 1700000000000',
  'build E12345678 finished',
];

const mark = (marked: string): { text: string; start: number; end: number } => {
  const start = marked.indexOf('⟦');
  const end = marked.indexOf('⟧') - 1;
  return { text: marked.replace('⟦', '').replace('⟧', ''), start, end };
};

describe('secret detectors', () => {
  it('catalogue has at least 120 secret formats with unique ids and keywords', () => {
    const secrets = secretDetectors();
    assert.ok(secrets.length >= 120, `only ${secrets.length}`);
    assert.equal(new Set(secrets.map((d) => d.id)).size, secrets.length);
    for (const d of secrets) assert.ok(d.keywords.length > 0, `${d.id} has no keywords`);
  });

  for (const [id, marked] of positives) {
    it(`${id}: reports only the value in ${JSON.stringify(marked.slice(0, 40))}…`, () => {
      const { text, start, end } = mark(marked);
      const findings = scan(text);
      const hit = findings.find((f) => f.start === start && f.end === end);
      assert.ok(
        hit,
        `expected [${start}, ${end}) ${JSON.stringify(text.slice(start, end))}, got ${JSON.stringify(findings)}`,
      );
      assert.equal(hit.detectorId, id);
      assert.equal(hit.category, 'secret');
    });
  }

  for (const text of negatives) {
    it(`ignores ${JSON.stringify(text.slice(0, 60))}`, () => {
      const findings = scan(text);
      assert.deepEqual(
        findings.map((f) => `${f.detectorId}: ${text.slice(f.start, f.end)}`),
        [],
      );
    });
  }

  it('a vendor token inside a password assignment is reported once, as the vendor token', () => {
    const text = `password = "ghp_${rep(AN, 36)}"`;
    const findings = scan(text);
    assert.equal(findings.length, 1);
    assert.equal(findings[0]?.detectorId, 'github-pat');
  });

  it('a PEM key truncated before its END line is still reported', () => {
    const text = `why is this failing?\n-----BEGIN EC PRIVATE KEY-----\n${rep(AN + '+/', 64)}\n${rep(AN + '+/', 40)}`;
    const f = scan(text).find((x) => x.detectorId === 'pem-private-key');
    assert.ok(f);
    assert.equal(text.slice(f.end - 10, f.end), text.slice(-10));
  });

  it('a JWT is reported only when its header decodes to JSON with an alg', () => {
    const header = Buffer.from('{"alg":"RS256","typ":"JWT"}').toString('base64url');
    const payload = Buffer.from('{"sub":"u-42","iat":1700000000}').toString('base64url');
    const jwt = `${header}.${payload}.${rep(AN + '-_', 43)}`;
    assert.equal(scan(`see ${jwt}`)[0]?.detectorId, 'jwt');
    const bogus = `${Buffer.from('not json at all').toString('base64url')}.${payload}.${rep(AN, 43)}`;
    assert.deepEqual(scan(`see ${bogus}`), []);
  });
});

describe('personal-data detectors', () => {
  const cases: [string, string][] = [
    ['email-address', 'mail ⟦zhang.wei88@corp-mail.cn⟧ today'],
    ['cn-mobile-number', '手机：⟦13812345678⟧。'],
    ['cn-mobile-number', 'tel ⟦+86 139 1234 5678⟧'],
    ['cn-mobile-number', 'tel ⟦0086-19912345678⟧'],
    ['cn-mobile-number', 'tel ⟦166-1234-5678⟧'],
    ['phone-number-e164', 'call ⟦+1 415 555 0132⟧ now'],
    ['phone-number-e164', 'call ⟦+44 20 7946 0958⟧'],
    ['cn-resident-id', '身份证号 ⟦11010519491231002X⟧'],
    ['cn-resident-id', 'old id ⟦110105491231002⟧'],
    ['bank-card-number', 'card ⟦4111 1111 1111 1111⟧'],
    ['bank-card-number', 'UnionPay ⟦6212345678901232⟧'],
    ['iban', 'IBAN ⟦GB82 WEST 1234 5698 7654 32⟧'],
    ['iban', 'iban=⟦DE89370400440532013000⟧'],
    ['ip-address', 'client ⟦8.8.4.4⟧ connected'],
    ['ip-address', 'from ⟦2606:4700:4700::1111⟧'],
    ['passport-number', 'Passport No.: ⟦E12345678⟧'],
    ['passport-number', '护照号码：⟦EA1234567⟧'],
  ];
  for (const [id, marked] of cases) {
    it(`${id}: ${JSON.stringify(marked)}`, () => {
      const { text, start, end } = mark(marked);
      const findings = scan(text);
      assert.deepEqual(
        findings.map((f) => [f.detectorId, f.start, f.end]),
        [[id, start, end]],
      );
    });
  }

  it('does not match inside longer digit runs or identifiers', () => {
    for (const text of [
      'x138123456789',
      '913812345678',
      'id_11010519491231002X9',
      '41111111111111110',
      'v8.8.4.4',
    ]) {
      assert.deepEqual(scan(text), [], text);
    }
  });

  it('rejects look-alikes with bad checksums or dates', () => {
    for (const text of [
      'id 110105194912310021', // wrong check character
      'id 110105199913310020', // month 13
      'id 990105194912310028', // no such province
      'card 4111 1111 1111 1112', // Luhn fails
      'iban GB83 WEST 1234 5698 7654 32', // mod 97 fails
      'iban GB82 WEST 1234 5698 7654 3', // wrong length for GB
      'phone 15412345678', // 154 is not allocated
    ]) {
      assert.deepEqual(scan(text), [], text);
    }
  });

  it('private and loopback addresses are skipped by default and reported on request', () => {
    const text = 'db 10.1.2.3, local 127.0.0.1, link fe80::1:2:3';
    assert.deepEqual(createIpAddressDetector().find(text), []);
    const all = createIpAddressDetector({ includePrivate: true })
      .find(text)
      .map((m) => text.slice(m.start, m.end));
    assert.deepEqual(all, ['10.1.2.3', '127.0.0.1', 'fe80::1:2:3']);
  });
});

describe('checksum validators', () => {
  it('ISO 7064 MOD 11-2 check character of resident IDs', () => {
    assert.equal(cnIdCheckChar('11010519491231002'), 'X');
    assert.ok(isValidCnResidentId('11010519491231002X'));
    assert.ok(isValidCnResidentId('11010519491231002x'));
    assert.ok(!isValidCnResidentId('110105194912310029'));
    assert.ok(!isValidCnResidentId('110105209912310020'), 'birth date in the future');
    assert.ok(isValidCnResidentId('440305900307401'), '15-digit with a valid date');
    assert.ok(!isValidCnResidentId('440305900230401'), '15-digit with 30 February');
  });

  it('Luhn', () => {
    assert.ok(luhnValid('4111111111111111'));
    assert.ok(luhnValid('79927398713'));
    assert.ok(!luhnValid('79927398710'));
    assert.equal(luhnCheckDigit('7992739871'), '3');
  });

  it('IBAN mod 97 and per-country length', () => {
    assert.equal(ibanMod97('GB82WEST12345698765432'), 1);
    assert.ok(isValidIban('GB82 WEST 1234 5698 7654 32'));
    assert.ok(isValidIban('FR1420041010050500013M02606'));
    assert.ok(isValidIban('NL91ABNA0417164300'));
    assert.ok(!isValidIban('NL91ABNA0417164301'));
    assert.ok(!isValidIban('XX82WEST12345698765432'), 'unknown country');
  });
});
