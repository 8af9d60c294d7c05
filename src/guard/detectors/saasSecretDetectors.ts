// Credentials of SaaS products: messaging, payments, productivity, hosting, identity and data
// services, plus the age encryption format.
import type { DetectorMatch } from '../detectorTypes';
import { assignmentDetector, Specificity, tokenDetector } from './patternDetector';
import type { RankedDetector } from './patternDetector';
import { isPlaceholderValue } from './secretAllowlist';

// Matched from its '-usN' suffix backwards: scanning for 32 hex digits from every letter a-f of a
// text would cost far more than finding the suffix.
const MAILCHIMP_SUFFIX = /-us\d{1,2}(?<=(?<![A-Za-z0-9_-])[a-f0-9]{32}-us\d{1,2})(?![A-Za-z0-9_-])/g;

function mailchimpDetector(): RankedDetector {
  return {
    id: 'mailchimp-api-key',
    category: 'secret',
    description: 'Mailchimp API key',
    keywords: ['-us'],
    specificity: Specificity.token,
    find(text: string): DetectorMatch[] {
      const out: DetectorMatch[] = [];
      for (const m of text.matchAll(MAILCHIMP_SUFFIX)) {
        const start = m.index - 32;
        const end = m.index + m[0].length;
        if (!isPlaceholderValue(text.slice(start, end))) out.push({ start, end });
      }
      return out;
    },
  };
}

interface Prefixed {
  id: string;
  description: string;
  source: string;
  keywords: readonly string[];
  after?: string;
}

const PREFIXED: Prefixed[] = [
  // Messaging
  {
    id: 'slack-bot-token',
    description: 'Slack bot token',
    keywords: ['xoxb-'],
    source: 'xoxb-[0-9]{10,13}-[0-9]{10,13}-[A-Za-z0-9]{24}',
  },
  {
    id: 'slack-user-token',
    description: 'Slack user token',
    keywords: ['xoxp-'],
    source: 'xoxp-[0-9]{10,13}-[0-9]{10,13}-[0-9]{10,13}-[a-f0-9]{32}',
  },
  {
    id: 'slack-app-token',
    description: 'Slack app-level token',
    keywords: ['xapp-'],
    source: 'xapp-\\d-[A-Z0-9]{9,12}-\\d{10,13}-[a-f0-9]{64}',
  },
  {
    id: 'slack-config-token',
    description: 'Slack configuration access or refresh token',
    keywords: ['xoxe'],
    source: 'xoxe(?:\\.xox[bp])?-\\d-[A-Za-z0-9]{140,170}',
  },
  {
    id: 'slack-legacy-token',
    description: 'Slack legacy workspace, refresh or session token',
    keywords: ['xoxa-', 'xoxr-', 'xoxs-', 'xoxo-'],
    source: 'xox[aros]-(?:\\d+-){1,4}[A-Za-z0-9]{10,64}',
  },
  {
    id: 'slack-webhook-url',
    description: 'Slack incoming webhook or workflow URL',
    keywords: ['hooks.slack.com'],
    source:
      'https://hooks\\.slack\\.com/(?:services|workflows|triggers)/T[A-Z0-9]{8,12}/[A-Z0-9]{8,12}/[A-Za-z0-9]{24,48}',
  },
  {
    id: 'discord-webhook-url',
    description: 'Discord webhook URL',
    keywords: ['discord'],
    source: 'https://(?:ptb\\.|canary\\.)?discord(?:app)?\\.com/api/webhooks/\\d{17,20}/[A-Za-z0-9_-]{60,80}',
  },
  {
    id: 'discord-bot-token',
    description: 'Discord bot token',
    keywords: ['discord'],
    source: '[MNO][A-Za-z0-9_-]{23,25}\\.[A-Za-z0-9_-]{6}\\.[A-Za-z0-9_-]{27,38}',
  },
  {
    id: 'telegram-bot-token',
    description: 'Telegram bot token',
    keywords: [':aa'],
    source: '\\d{8,10}:AA[A-Za-z0-9_-]{33}',
  },
  {
    id: 'microsoft-teams-webhook',
    description: 'Microsoft Teams incoming webhook URL',
    keywords: ['webhook.office.com'],
    source:
      'https://[a-z0-9-]+\\.webhook\\.office\\.com/webhookb2/[a-f0-9-]{36}@[a-f0-9-]{36}/IncomingWebhook/[a-f0-9]{32}/[a-f0-9-]{36}',
  },
  { id: 'twilio-api-key', description: 'Twilio API key SID', keywords: ['sk'], source: 'SK[0-9a-f]{32}' },
  {
    id: 'sendgrid-api-key',
    description: 'SendGrid API key',
    keywords: ['sg.'],
    source: 'SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}',
  },
  {
    id: 'mailgun-api-key',
    description: 'Mailgun API key (key-)',
    keywords: ['key-'],
    source: 'key-[a-f0-9]{32}',
  },
  {
    id: 'mailersend-token',
    description: 'MailerSend API token',
    keywords: ['mlsn.'],
    source: 'mlsn\\.[a-f0-9]{64}',
  },
  // Payments
  {
    id: 'stripe-secret-key',
    description: 'Stripe secret key (live or test mode)',
    keywords: ['sk_live_', 'sk_test_'],
    source: 'sk_(?:live|test)_[A-Za-z0-9]{24,99}',
  },
  {
    id: 'stripe-restricted-key',
    description: 'Stripe restricted key',
    keywords: ['rk_live_', 'rk_test_'],
    source: 'rk_(?:live|test)_[A-Za-z0-9]{24,99}',
  },
  {
    id: 'stripe-webhook-secret',
    description: 'Stripe webhook signing secret',
    keywords: ['whsec_'],
    source: 'whsec_[A-Za-z0-9+/]{32,64}',
  },
  {
    id: 'braintree-access-token',
    description: 'PayPal Braintree access token',
    keywords: ['access_token$'],
    source: 'access_token\\$(?:production|sandbox)\\$[a-z0-9]{16}\\$[a-f0-9]{32}',
  },
  {
    id: 'square-access-token',
    description: 'Square access token',
    keywords: ['sq0atp-', 'eaaa'],
    source: '(?:sq0atp-[A-Za-z0-9_-]{22}|EAAA[A-Za-z0-9_-]{60})',
  },
  {
    id: 'square-oauth-secret',
    description: 'Square OAuth application secret',
    keywords: ['sq0csp-'],
    source: 'sq0csp-[A-Za-z0-9_-]{43}',
  },
  {
    id: 'plaid-access-token',
    description: 'Plaid access token',
    keywords: ['access-production-', 'access-development-', 'access-sandbox-'],
    source:
      'access-(?:production|development|sandbox)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}',
  },
  {
    id: 'flutterwave-secret-key',
    description: 'Flutterwave secret key',
    keywords: ['flwseck'],
    source: 'FLWSECK(?:_TEST)?-[a-f0-9]{32}-X',
  },
  // Commerce
  {
    id: 'shopify-access-token',
    description: 'Shopify Admin API access token',
    keywords: ['shpat_'],
    source: 'shpat_[a-fA-F0-9]{32}',
  },
  {
    id: 'shopify-custom-app-token',
    description: 'Shopify custom app access token',
    keywords: ['shpca_'],
    source: 'shpca_[a-fA-F0-9]{32}',
  },
  {
    id: 'shopify-private-app-token',
    description: 'Shopify private app access token',
    keywords: ['shppa_'],
    source: 'shppa_[a-fA-F0-9]{32}',
  },
  {
    id: 'shopify-shared-secret',
    description: 'Shopify app shared secret',
    keywords: ['shpss_'],
    source: 'shpss_[a-fA-F0-9]{32}',
  },
  // Productivity
  {
    id: 'linear-api-key',
    description: 'Linear personal API key',
    keywords: ['lin_api_'],
    source: 'lin_api_[A-Za-z0-9]{40}',
  },
  {
    id: 'linear-oauth-token',
    description: 'Linear OAuth token',
    keywords: ['lin_oauth_'],
    source: 'lin_oauth_[a-f0-9]{64}',
  },
  {
    id: 'notion-integration-token',
    description: 'Notion integration token',
    keywords: ['secret_', 'ntn_'],
    source: '(?:secret_[A-Za-z0-9]{43}|ntn_\\d{11}[A-Za-z0-9]{35})',
  },
  {
    id: 'airtable-pat',
    description: 'Airtable personal access token',
    keywords: ['pat'],
    source: 'pat[A-Za-z0-9]{14}\\.[a-f0-9]{64}',
  },
  {
    id: 'figma-pat',
    description: 'Figma personal access token',
    keywords: ['figd_'],
    source: 'figd_[A-Za-z0-9_-]{40}',
  },
  {
    id: 'contentful-pat',
    description: 'Contentful personal access token',
    keywords: ['cfpat-'],
    source: 'CFPAT-[A-Za-z0-9_-]{43}',
  },
  {
    id: 'dropbox-access-token',
    description: 'Dropbox short-lived access token',
    keywords: ['sl.'],
    source: 'sl\\.(?:u\\.)?[A-Za-z0-9_-]{130,}',
  },
  {
    id: 'asana-pat',
    description: 'Asana personal access token',
    keywords: ['asana', '/1'],
    source: '[12]/\\d{16}(?:/\\d{16})?:[a-f0-9]{32}',
  },
  {
    id: 'typeform-pat',
    description: 'Typeform personal access token',
    keywords: ['tfp_'],
    source: 'tfp_[A-Za-z0-9_.=-]{59}',
  },
  // Hosting and identity
  {
    id: 'heroku-api-key',
    description: 'Heroku platform API token (HRKU-)',
    keywords: ['hrku-'],
    source: 'HRKU-[A-Za-z0-9_-]{58,64}',
  },
  {
    id: 'digitalocean-pat',
    description: 'DigitalOcean personal access token',
    keywords: ['dop_v1_'],
    source: 'dop_v1_[a-f0-9]{64}',
  },
  {
    id: 'digitalocean-oauth-token',
    description: 'DigitalOcean OAuth access token',
    keywords: ['doo_v1_'],
    source: 'doo_v1_[a-f0-9]{64}',
  },
  {
    id: 'digitalocean-refresh-token',
    description: 'DigitalOcean OAuth refresh token',
    keywords: ['dor_v1_'],
    source: 'dor_v1_[a-f0-9]{64}',
  },
  {
    id: 'netlify-pat',
    description: 'Netlify personal access token',
    keywords: ['nfp_'],
    source: 'nfp_[A-Za-z0-9]{36}',
  },
  {
    id: 'cloudflare-origin-ca-key',
    description: 'Cloudflare Origin CA key',
    keywords: ['v1.0-'],
    source: 'v1\\.0-[a-f0-9]{24}-[a-f0-9]{146}',
  },
  {
    id: 'okta-api-token',
    description: 'Okta API token (SSWS)',
    keywords: ['ssws'],
    source: '(?<=SSWS\\s{1,4})00[A-Za-z0-9_-]{40}',
  },
  {
    id: 'supabase-management-token',
    description: 'Supabase management API token',
    keywords: ['sbp_'],
    source: 'sbp_[a-f0-9]{40}',
  },
  {
    id: 'supabase-secret-key',
    description: 'Supabase secret API key',
    keywords: ['sb_secret_'],
    source: 'sb_secret_[A-Za-z0-9_-]{31,}',
  },
  {
    id: 'firebase-cloud-messaging-key',
    description: 'Firebase Cloud Messaging legacy server key',
    keywords: [':apa91b'],
    source: 'AAAA[A-Za-z0-9_-]{7}:APA91b[A-Za-z0-9_-]{134}',
  },
  {
    id: 'mapbox-secret-token',
    description: 'Mapbox secret access token',
    keywords: ['sk.eyj'],
    source: 'sk\\.eyJ[A-Za-z0-9_-]{50,}\\.[A-Za-z0-9_-]{20,}',
  },
  {
    id: 'age-secret-key',
    description: 'age encryption secret key',
    keywords: ['age-secret-key-1'],
    source: 'AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}',
  },
  {
    id: 'onepassword-secret-key',
    description: '1Password account secret key',
    keywords: ['a3-'],
    source: 'A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}',
  },
  {
    id: 'shippo-api-token',
    description: 'Shippo API token',
    keywords: ['shippo_'],
    source: 'shippo_(?:live|test)_[a-f0-9]{40}',
  },
];

export function saasSecretDetectors(): RankedDetector[] {
  const tokens = PREFIXED.map((p) => tokenDetector(p));
  const assigned = [
    assignmentDetector({
      id: 'twilio-auth-token',
      description: 'Twilio auth token',
      keywords: ['twilio'],
      key: 'twilio[\\w.-]{0,16}(?:auth[_.-]?token|secret|token)',
      value: /^[a-f0-9]{32}$/,
    }),
    assignmentDetector({
      id: 'mailgun-signing-key',
      description: 'Mailgun private API or webhook signing key',
      keywords: ['mailgun'],
      key: 'mailgun[\\w.-]{0,16}(?:key|secret|token)',
      value: /^[a-f0-9]{32}-[a-f0-9]{8}-[a-f0-9]{8}$/,
    }),
    assignmentDetector({
      id: 'paypal-client-secret',
      description: 'PayPal REST client secret',
      keywords: ['paypal'],
      key: 'paypal[\\w.-]{0,16}(?:secret|token)',
      value: /^[A-Za-z0-9_-]{60,90}$/,
    }),
    assignmentDetector({
      id: 'okta-api-token-assignment',
      description: 'Okta API token assigned to a key name',
      keywords: ['okta'],
      key: 'okta[\\w.-]{0,16}(?:token|api[_.-]?key)',
      value: /^00[A-Za-z0-9_-]{40}$/,
    }),
    assignmentDetector({
      id: 'auth0-client-secret',
      description: 'Auth0 client secret',
      keywords: ['auth0'],
      key: 'auth0[\\w.-]{0,16}(?:secret|token)',
      value: /^[A-Za-z0-9_-]{64}$/,
    }),
    assignmentDetector({
      id: 'heroku-api-key-legacy',
      description: 'Heroku legacy API key (UUID)',
      keywords: ['heroku'],
      key: 'heroku[\\w.-]{0,16}(?:api[_.-]?key|token|key)',
      value: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    }),
    assignmentDetector({
      id: 'vercel-token',
      description: 'Vercel access token',
      keywords: ['vercel'],
      key: 'vercel[\\w.-]{0,16}(?:token|api[_.-]?key)',
      value: /^[A-Za-z0-9]{24}$/,
    }),
    assignmentDetector({
      id: 'netlify-token-assignment',
      description: 'Netlify auth token assigned to a key name',
      keywords: ['netlify'],
      key: 'netlify[\\w.-]{0,16}(?:token|api[_.-]?key)',
      value: /^[A-Za-z0-9_-]{40,64}$/,
    }),
    assignmentDetector({
      id: 'cloudflare-api-token',
      description: 'Cloudflare API token or global API key',
      keywords: ['cloudflare', 'cf_api', 'cf-api', 'cf_token'],
      key: '(?:cloudflare|cf)[\\w.-]{0,16}(?:token|api[_.-]?key|key)',
      value: /^(?:[A-Za-z0-9_-]{40}|[a-f0-9]{37})$/,
    }),
    assignmentDetector({
      id: 'fastly-api-token',
      description: 'Fastly API token',
      keywords: ['fastly'],
      key: 'fastly[\\w.-]{0,16}(?:token|api[_.-]?key|key)',
      value: /^[A-Za-z0-9_-]{32}$/,
    }),
    assignmentDetector({
      id: 'algolia-admin-key',
      description: 'Algolia admin or write API key',
      keywords: ['algolia'],
      key: 'algolia[\\w.-]{0,16}(?:admin|write|api)[_.-]?key',
      value: /^[a-f0-9]{32}$/,
    }),
    assignmentDetector({
      id: 'asana-token-assignment',
      description: 'Asana access token assigned to a key name',
      keywords: ['asana'],
      key: 'asana[\\w.-]{0,16}(?:token|pat|key)',
      value: /^[0-9]\/[0-9/]{16,40}:[A-Za-z0-9]{32}$/,
    }),
    assignmentDetector({
      id: 'dropbox-long-lived-token',
      description: 'Dropbox long-lived access token',
      keywords: ['dropbox'],
      key: 'dropbox[\\w.-]{0,16}(?:token|key|secret)',
      value: /^[A-Za-z0-9_-]{11}(?:AAAAAAAAAA)[A-Za-z0-9_-]{43}$/,
    }),
    assignmentDetector({
      id: 'contentful-delivery-token',
      description: 'Contentful delivery or preview API token',
      keywords: ['contentful'],
      key: 'contentful[\\w.-]{0,16}(?:token|key)',
      value: /^[A-Za-z0-9_-]{43}$/,
    }),
    assignmentDetector({
      id: 'discord-token-assignment',
      description: 'Discord client secret assigned to a key name',
      keywords: ['discord'],
      key: 'discord[\\w.-]{0,16}(?:secret)',
      value: /^[A-Za-z0-9_-]{32}$/,
    }),
  ];
  return [...tokens, mailchimpDetector(), ...assigned];
}
