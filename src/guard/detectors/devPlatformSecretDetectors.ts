// Credentials of developer platforms: source hosting, CI/CD, package registries, infrastructure
// tooling and observability services.
import { assignmentDetector, tokenDetector } from './patternDetector';
import type { RankedDetector } from './patternDetector';

interface Prefixed {
  id: string;
  description: string;
  source: string;
  keywords: readonly string[];
}

// Tokens whose fixed prefix makes them unambiguous; one line each keeps the catalogue reviewable.
const PREFIXED: Prefixed[] = [
  // GitHub
  {
    id: 'github-pat',
    description: 'GitHub personal access token (classic)',
    keywords: ['ghp_'],
    source: 'ghp_[A-Za-z0-9]{36}',
  },
  {
    id: 'github-oauth-token',
    description: 'GitHub OAuth access token',
    keywords: ['gho_'],
    source: 'gho_[A-Za-z0-9]{36}',
  },
  {
    id: 'github-user-to-server-token',
    description: 'GitHub App user-to-server token',
    keywords: ['ghu_'],
    source: 'ghu_[A-Za-z0-9]{36}',
  },
  {
    id: 'github-server-to-server-token',
    description: 'GitHub App installation token',
    keywords: ['ghs_'],
    source: 'ghs_[A-Za-z0-9]{36}',
  },
  {
    id: 'github-refresh-token',
    description: 'GitHub App refresh token',
    keywords: ['ghr_'],
    source: 'ghr_[A-Za-z0-9]{36,76}',
  },
  {
    id: 'github-fine-grained-pat',
    description: 'GitHub fine-grained personal access token',
    keywords: ['github_pat_'],
    source: 'github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}',
  },
  // GitLab
  {
    id: 'gitlab-pat',
    description: 'GitLab personal, project or group access token',
    keywords: ['glpat-'],
    source: 'glpat-[A-Za-z0-9_.-]{20,80}',
  },
  {
    id: 'gitlab-deploy-token',
    description: 'GitLab deploy token',
    keywords: ['gldt-'],
    source: 'gldt-[A-Za-z0-9_-]{20,64}',
  },
  {
    id: 'gitlab-runner-token',
    description: 'GitLab runner authentication token',
    keywords: ['glrt-'],
    source: 'glrt-[A-Za-z0-9_.-]{20,80}',
  },
  {
    id: 'gitlab-runner-registration-token',
    description: 'GitLab runner registration token',
    keywords: ['gr1348941'],
    source: 'GR1348941[A-Za-z0-9_-]{20}',
  },
  {
    id: 'gitlab-pipeline-trigger-token',
    description: 'GitLab pipeline trigger token',
    keywords: ['glptt-'],
    source: 'glptt-[0-9a-f]{40}',
  },
  {
    id: 'gitlab-feed-token',
    description: 'GitLab feed token',
    keywords: ['glft-'],
    source: 'glft-[A-Za-z0-9_-]{20}',
  },
  {
    id: 'gitlab-ci-job-token',
    description: 'GitLab CI/CD job token',
    keywords: ['glcbt-'],
    source: 'glcbt-[0-9a-fA-F]{1,5}_[A-Za-z0-9_-]{20}',
  },
  {
    id: 'gitlab-incoming-mail-token',
    description: 'GitLab incoming mail token',
    keywords: ['glimt-'],
    source: 'glimt-[A-Za-z0-9_-]{25}',
  },
  {
    id: 'gitlab-oauth-app-secret',
    description: 'GitLab OAuth application secret',
    keywords: ['gloas-'],
    source: 'gloas-[A-Za-z0-9_-]{64}',
  },
  {
    id: 'gitlab-scim-token',
    description: 'GitLab SCIM OAuth token',
    keywords: ['glsoat-'],
    source: 'glsoat-[A-Za-z0-9_-]{20}',
  },
  {
    id: 'gitlab-agent-token',
    description: 'GitLab agent for Kubernetes token',
    keywords: ['glagent-'],
    source: 'glagent-[A-Za-z0-9_-]{50}',
  },
  {
    id: 'gitlab-feature-flag-token',
    description: 'GitLab feature flags client token',
    keywords: ['glffct-'],
    source: 'glffct-[A-Za-z0-9_-]{20}',
  },
  // Atlassian / Bitbucket
  {
    id: 'bitbucket-app-password',
    description: 'Bitbucket app password (ATBB)',
    keywords: ['atbb'],
    source: 'ATBB[A-Za-z0-9_=.-]{32}',
  },
  {
    id: 'atlassian-api-token',
    description: 'Atlassian API token (ATATT)',
    keywords: ['atatt'],
    source: 'ATATT3[A-Za-z0-9_=-]{150,220}',
  },
  // CI/CD
  {
    id: 'circleci-personal-token',
    description: 'CircleCI personal API token',
    keywords: ['ccipat_'],
    source: 'CCIPAT_[A-Za-z0-9]{22}_[a-f0-9]{40}',
  },
  {
    id: 'buildkite-token',
    description: 'Buildkite agent or user token',
    keywords: ['bkua_', 'bkat_'],
    source: 'bk(?:ua|at)_[a-f0-9]{40}',
  },
  {
    id: 'harness-pat',
    description: 'Harness personal access token',
    keywords: ['pat.'],
    source: 'pat\\.[A-Za-z0-9_-]{22}\\.[0-9a-f]{24}\\.[A-Za-z0-9]{20}',
  },
  // Registries
  {
    id: 'npm-access-token',
    description: 'npm access token',
    keywords: ['npm_'],
    source: 'npm_[A-Za-z0-9]{36}',
  },
  {
    id: 'pypi-api-token',
    description: 'PyPI API token',
    keywords: ['pypi-age'],
    source: 'pypi-AgE[A-Za-z0-9_-]{70,}',
  },
  { id: 'nuget-api-key', description: 'NuGet API key', keywords: ['oy2'], source: 'oy2[a-z0-9]{43}' },
  {
    id: 'rubygems-api-key',
    description: 'RubyGems API key',
    keywords: ['rubygems_'],
    source: 'rubygems_[a-f0-9]{48}',
  },
  {
    id: 'dockerhub-pat',
    description: 'Docker Hub personal or organisation access token',
    keywords: ['dckr_pat_', 'dckr_oat_'],
    source: 'dckr_(?:pat|oat)_[A-Za-z0-9_-]{27,32}',
  },
  {
    id: 'jfrog-api-key',
    description: 'JFrog Artifactory API key',
    keywords: ['akcp'],
    source: 'AKCp[A-Za-z0-9]{69}',
  },
  {
    id: 'jfrog-identity-token',
    description: 'JFrog identity/reference token',
    keywords: ['cmvmdgtu'],
    source: 'cmVmdGtu[A-Za-z0-9]{56}',
  },
  {
    id: 'clojars-token',
    description: 'Clojars deploy token',
    keywords: ['clojars_'],
    source: 'CLOJARS_[a-z0-9]{60}',
  },
  // Infrastructure tooling
  {
    id: 'terraform-cloud-token',
    description: 'Terraform Cloud / Enterprise API token',
    keywords: ['atlasv1'],
    source: '[A-Za-z0-9]{14}\\.atlasv1\\.[A-Za-z0-9_=-]{60,70}',
  },
  {
    id: 'vault-service-token',
    description: 'HashiCorp Vault service token (hvs.)',
    keywords: ['hvs.'],
    source: 'hvs\\.[A-Za-z0-9_-]{24,}',
  },
  {
    id: 'vault-batch-token',
    description: 'HashiCorp Vault batch token (hvb.)',
    keywords: ['hvb.'],
    source: 'hvb\\.[A-Za-z0-9_-]{100,}',
  },
  {
    id: 'doppler-token',
    description: 'Doppler service, personal, CLI or SCIM token',
    keywords: ['dp.pt.', 'dp.st.', 'dp.sa.', 'dp.ct.', 'dp.scim.', 'dp.audit.'],
    source: 'dp\\.(?:pt|st|sa|ct|scim|audit)\\.[A-Za-z0-9_.-]{40,60}',
  },
  {
    id: 'pulumi-access-token',
    description: 'Pulumi access token',
    keywords: ['pul-'],
    source: 'pul-[a-f0-9]{40}',
  },
  {
    id: 'sourcegraph-token',
    description: 'Sourcegraph access token',
    keywords: ['sgp_'],
    source: 'sgp_(?:[A-Za-z0-9]{16}_)?[a-f0-9]{40}',
  },
  {
    id: 'sonarqube-token',
    description: 'SonarQube / SonarCloud token',
    keywords: ['squ_', 'sqp_', 'sqa_'],
    source: 'sq[upa]_[a-f0-9]{40}',
  },
  {
    id: 'octopus-deploy-api-key',
    description: 'Octopus Deploy API key',
    keywords: ['api-'],
    source: 'API-[A-Z0-9]{26,32}',
  },
  {
    id: 'prefect-api-key',
    description: 'Prefect API key',
    keywords: ['pnu_'],
    source: 'pnu_[A-Za-z0-9]{36}',
  },
  // Observability
  {
    id: 'grafana-cloud-token',
    description: 'Grafana Cloud access policy token',
    keywords: ['glc_'],
    source: 'glc_[A-Za-z0-9+/]{32,400}={0,2}',
  },
  {
    id: 'grafana-service-account-token',
    description: 'Grafana service account token',
    keywords: ['glsa_'],
    source: 'glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}',
  },
  {
    id: 'grafana-api-key',
    description: 'Grafana legacy API key',
    keywords: ['eyjrijoi'],
    source: 'eyJrIjoi[A-Za-z0-9]{70,400}={0,2}',
  },
  {
    id: 'sentry-org-token',
    description: 'Sentry organisation auth token',
    keywords: ['sntrys_'],
    source: 'sntrys_eyJpYXQiO[A-Za-z0-9+/=_]{60,}',
  },
  {
    id: 'sentry-user-token',
    description: 'Sentry user auth token',
    keywords: ['sntryu_'],
    source: 'sntryu_[a-f0-9]{64}',
  },
  {
    id: 'new-relic-user-api-key',
    description: 'New Relic user API key',
    keywords: ['nrak-'],
    source: 'NRAK-[A-Z0-9]{27}',
  },
  {
    id: 'new-relic-insert-key',
    description: 'New Relic insights insert key',
    keywords: ['nrii-'],
    source: 'NRII-[A-Za-z0-9_-]{32}',
  },
  {
    id: 'new-relic-license-key',
    description: 'New Relic ingest license key',
    keywords: ['nral'],
    source: '[a-f0-9]{36}NRAL',
  },
  {
    id: 'postman-api-key',
    description: 'Postman API key',
    keywords: ['pmak-'],
    source: 'PMAK-[a-f0-9]{24}-[a-f0-9]{34}',
  },
  {
    id: 'honeycomb-api-key',
    description: 'Honeycomb ingest API key',
    keywords: ['hcaik_'],
    source: 'hcaik_[0-9a-z]{58}',
  },
];

export function devPlatformSecretDetectors(): RankedDetector[] {
  const tokens = PREFIXED.map((p) => tokenDetector(p));
  const assigned = [
    assignmentDetector({
      id: 'circleci-api-token',
      description: 'CircleCI API token assigned to a key name',
      keywords: ['circle'],
      key: 'circle(?:ci)?[\\w.-]{0,16}(?:token|api[_.-]?key)',
      value: /^[a-f0-9]{40}$/,
    }),
    assignmentDetector({
      id: 'travis-ci-token',
      description: 'Travis CI API token',
      keywords: ['travis'],
      key: 'travis[\\w.-]{0,16}(?:token|api[_.-]?key)',
      value: /^[A-Za-z0-9_-]{22}$/,
    }),
    assignmentDetector({
      id: 'jenkins-api-token',
      description: 'Jenkins API token',
      keywords: ['jenkins'],
      key: 'jenkins[\\w.-]{0,16}(?:token|api[_.-]?key|password)',
      value: /^(?:11)?[0-9a-f]{32}$/,
    }),
    assignmentDetector({
      id: 'bitbucket-client-secret',
      description: 'Bitbucket OAuth client secret',
      keywords: ['bitbucket'],
      key: 'bitbucket[\\w.-]{0,16}(?:secret|token)',
      value: /^[A-Za-z0-9_=-]{32,64}$/,
    }),
    assignmentDetector({
      id: 'npmrc-auth-token',
      description: 'Registry auth token in .npmrc or .yarnrc',
      keywords: ['_authtoken', 'npmauthtoken'],
      key: '[^\\s]{0,100}?:?_authToken|npmAuthToken',
      value: /^[A-Za-z0-9_+/=.-]{20,}$/,
    }),
    assignmentDetector({
      id: 'datadog-api-key',
      description: 'Datadog API key',
      keywords: ['datadog', 'dd_api', 'dd-api', 'ddapi'],
      key: '(?:datadog|dd)[_.-]?api[_.-]?key',
      value: /^[a-f0-9]{32}$/,
    }),
    assignmentDetector({
      id: 'datadog-app-key',
      description: 'Datadog application key',
      keywords: ['datadog', 'dd_app', 'dd-app', 'ddapp'],
      key: '(?:datadog|dd)[_.-]?app(?:lication)?[_.-]?key',
      value: /^[a-f0-9]{40}$/,
    }),
    assignmentDetector({
      id: 'pagerduty-api-key',
      description: 'PagerDuty REST API key',
      keywords: ['pagerduty', 'pd_api', 'pd_token'],
      key: '(?:pagerduty|pd)[\\w.-]{0,16}(?:token|api[_.-]?key|key)',
      value: /^(?:u\+)?[A-Za-z0-9_+-]{20}$/,
    }),
    assignmentDetector({
      id: 'snyk-token',
      description: 'Snyk API token',
      keywords: ['snyk'],
      key: 'snyk[\\w.-]{0,16}(?:token|api[_.-]?key)',
      value: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    }),
    assignmentDetector({
      id: 'codecov-token',
      description: 'Codecov upload token',
      keywords: ['codecov'],
      key: 'codecov[\\w.-]{0,16}token',
      value: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    }),
  ];
  return [...tokens, ...assigned];
}
