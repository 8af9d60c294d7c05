// Credentials of public cloud providers: AWS, Google Cloud, Azure and the Chinese clouds (Alibaba,
// Tencent, Huawei, Baidu, Volcengine, JD Cloud).
import { assignmentDetector, patternDetector, Specificity, tokenDetector } from './patternDetector';
import type { RankedDetector } from './patternDetector';

export function cloudSecretDetectors(): RankedDetector[] {
  return [
    // AWS
    tokenDetector({
      id: 'aws-access-key-id',
      description: 'AWS access key id (AKIA/ASIA/ABIA/ACCA)',
      keywords: ['akia', 'asia', 'abia', 'acca', 'a3t'],
      source: '(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z2-7]{16}',
    }),
    assignmentDetector({
      id: 'aws-secret-access-key',
      description: 'AWS secret access key assigned to a key name',
      keywords: ['secret_access_key', 'secretaccesskey', 'aws_secret', 'secret-access-key', 'awssecret'],
      key: '(?:aws)?[_.-]?secret[_.-]?(?:access)?[_.-]?key(?:[_-]?id)?|aws[_.-]?secret',
      value: /^[A-Za-z0-9/+]{40}$/,
    }),
    assignmentDetector({
      id: 'aws-session-token',
      description: 'AWS temporary session token',
      keywords: ['session_token', 'sessiontoken', 'security_token', 'security-token'],
      key: '(?:aws)?[_.-]?(?:session|security)[_.-]?token',
      value: /^[A-Za-z0-9/+=]{100,}$/,
    }),
    tokenDetector({
      id: 'aws-mws-auth-token',
      description: 'Amazon Marketplace Web Service auth token',
      keywords: ['amzn.mws.'],
      source: 'amzn\\.mws\\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}',
    }),
    // Google Cloud
    patternDetector({
      id: 'gcp-service-account-key',
      description: 'Google Cloud service-account JSON private key',
      keywords: ['"private_key"'],
      specificity: Specificity.token,
      pattern:
        /"private_key"\s*:\s*"(?<v>-----BEGIN (?:RSA )?PRIVATE KEY-----(?:\\n|\\r|[A-Za-z0-9+/=\s]){64,8000}?-----END (?:RSA )?PRIVATE KEY-----(?:\\n)?)"/g,
    }),
    tokenDetector({
      id: 'gcp-api-key',
      description: 'Google API key (AIza...)',
      keywords: ['aiza'],
      source: 'AIza[0-9A-Za-z_-]{35}',
    }),
    tokenDetector({
      id: 'gcp-oauth-client-secret',
      description: 'Google OAuth client secret (GOCSPX-)',
      keywords: ['gocspx-'],
      source: 'GOCSPX-[A-Za-z0-9_-]{28}',
    }),
    tokenDetector({
      id: 'gcp-oauth-access-token',
      description: 'Google OAuth access token (ya29.)',
      keywords: ['ya29.'],
      source: 'ya29\\.[0-9A-Za-z_-]{30,}',
    }),
    tokenDetector({
      id: 'gcp-oauth-refresh-token',
      description: 'Google OAuth refresh token (1//0)',
      keywords: ['1//0'],
      source: '1//0[0-9A-Za-z_-]{40,}',
    }),
    // Azure
    patternDetector({
      id: 'azure-storage-account-key',
      description: 'Azure storage or Cosmos DB account key in a connection string',
      keywords: ['accountkey'],
      pattern: /AccountKey\s*=\s*(?<v>[A-Za-z0-9+/]{86}==)/gi,
    }),
    patternDetector({
      id: 'azure-shared-access-key',
      description: 'Azure Service Bus / Event Hubs / IoT shared access key',
      keywords: ['sharedaccesskey='],
      pattern: /SharedAccessKey\s*=\s*(?<v>[A-Za-z0-9+/]{42,43}=)/gi,
    }),
    patternDetector({
      id: 'azure-sas-token',
      description: 'Azure shared access signature (sig= in a SAS URL or token)',
      keywords: ['sig='],
      pattern:
        /\bsv=\d{4}-\d{2}-\d{2}&[^\s"'<>]{0,300}?\bsig=(?<v>[A-Za-z0-9%+/]{40,100}(?:%3D|=){0,2})(?![A-Za-z0-9%+/])/gi,
    }),
    tokenDetector({
      id: 'azure-ad-client-secret',
      description: 'Microsoft Entra ID (Azure AD) client secret',
      keywords: ['q~'],
      source: '[A-Za-z0-9_~.]{3}\\dQ~[A-Za-z0-9_~.-]{31,34}',
      after: '[A-Za-z0-9_~.-]',
    }),
    assignmentDetector({
      id: 'azure-client-secret-assignment',
      description: 'Azure client secret assigned to a key name',
      keywords: ['client_secret', 'clientsecret', 'client-secret'],
      key: '(?:azure|az|aad|arm|entra|ms)[_.-]?client[_.-]?secret|clientsecret',
      value: /^[A-Za-z0-9_~.-]{32,44}$/,
    }),
    tokenDetector({
      id: 'azure-devops-pat',
      description: 'Azure DevOps personal access token',
      keywords: ['azdo'],
      source: '[A-Za-z0-9]{52}AZDO[A-Za-z0-9]{28}',
    }),
    // Alibaba Cloud
    tokenDetector({
      id: 'alibaba-access-key-id',
      description: 'Alibaba Cloud AccessKey id (LTAI)',
      keywords: ['ltai'],
      source: 'LTAI[A-Za-z0-9]{12,20}',
    }),
    assignmentDetector({
      id: 'alibaba-access-key-secret',
      description: 'Alibaba Cloud AccessKey secret',
      keywords: ['aliyun', 'alibaba', 'alicloud', 'accesskeysecret', 'access_key_secret'],
      key: '(?:aliyun|alibaba|alicloud|ali)?[_.-]?(?:cloud)?[_.-]?access[_.-]?key[_.-]?secret',
      value: /^[A-Za-z0-9]{30}$/,
    }),
    // Tencent Cloud
    tokenDetector({
      id: 'tencent-secret-id',
      description: 'Tencent Cloud SecretId (AKID)',
      keywords: ['akid'],
      source: 'AKID[A-Za-z0-9]{32}',
    }),
    assignmentDetector({
      id: 'tencent-secret-key',
      description: 'Tencent Cloud SecretKey',
      keywords: ['tencent', 'qcloud', 'tccli', 'cos_secret', 'tc_secret'],
      key: '(?:tencent|qcloud|tccli|cos|tc)[\\w.-]{0,20}secret[_.-]?key',
      value: /^[A-Za-z0-9]{32}$/,
    }),
    // Huawei Cloud
    assignmentDetector({
      id: 'huawei-access-key',
      description: 'Huawei Cloud access key id (AK)',
      keywords: ['huawei', 'hwcloud', 'obs_access', 'hw_access'],
      key: '(?:huawei|hwcloud|huaweicloud|hw|obs)[\\w.-]{0,20}(?:access[_.-]?key(?:[_.-]?id)?|ak)',
      value: /^[A-Z0-9]{20}$/,
    }),
    assignmentDetector({
      id: 'huawei-secret-key',
      description: 'Huawei Cloud secret access key (SK)',
      keywords: ['huawei', 'hwcloud', 'obs_secret', 'hw_secret'],
      key: '(?:huawei|hwcloud|huaweicloud|hw|obs)[\\w.-]{0,20}(?:secret[_.-]?(?:access[_.-]?)?key|sk)',
      value: /^[A-Za-z0-9]{40}$/,
    }),
    // Baidu Cloud
    assignmentDetector({
      id: 'baidu-cloud-key',
      description: 'Baidu AI Cloud (BCE) access or secret key',
      keywords: ['baidu', 'bce_', 'bce-', 'qianfan'],
      key: '(?:baidu|bce|qianfan)[\\w.-]{0,20}(?:access[_.-]?key|secret[_.-]?key|api[_.-]?key|ak|sk)',
      value: /^[a-f0-9]{32}$/,
    }),
    tokenDetector({
      id: 'baidu-qianfan-api-key',
      description: 'Baidu Qianfan API key (bce-v3/ALTAK-)',
      keywords: ['altak-'],
      source: 'bce-v3/ALTAK-[A-Za-z0-9]{20,}/[a-f0-9]{40}',
    }),
    // Volcengine
    tokenDetector({
      id: 'volcengine-access-key-id',
      description: 'Volcengine (ByteDance) access key id (AKLT)',
      keywords: ['aklt'],
      source: 'AKLT[A-Za-z0-9_-]{40,60}',
    }),
    assignmentDetector({
      id: 'volcengine-secret-key',
      description: 'Volcengine secret access key',
      keywords: ['volc', 'volcengine'],
      key: '(?:volc|volcengine|volcano)[\\w.-]{0,20}(?:secret[_.-]?(?:access[_.-]?)?key|sk)',
      value: /^[A-Za-z0-9+/=]{40,64}$/,
    }),
    // JD Cloud
    tokenDetector({
      id: 'jdcloud-access-key-id',
      description: 'JD Cloud access key id (JDC_)',
      keywords: ['jdc_'],
      source: 'JDC_[0-9A-F]{28}',
    }),
    assignmentDetector({
      id: 'jdcloud-secret-key',
      description: 'JD Cloud secret access key',
      keywords: ['jdcloud', 'jd_cloud', 'jdc_secret'],
      key: '(?:jdcloud|jd[_.-]?cloud|jdc)[\\w.-]{0,20}secret[_.-]?(?:access[_.-]?)?key',
      value: /^[0-9A-F]{32}$/,
    }),
    // IBM Cloud
    assignmentDetector({
      id: 'ibm-cloud-api-key',
      description: 'IBM Cloud IAM API key',
      keywords: ['ibm'],
      key: 'ibm[\\w.-]{0,20}api[_.-]?key',
      value: /^[A-Za-z0-9_-]{44}$/,
    }),
  ];
}
