// Credentials of AI model providers and ML platforms (the keys a code assistant's users most often
// paste by accident).
import { assignmentDetector, tokenDetector } from './patternDetector';
import type { RankedDetector } from './patternDetector';

interface Prefixed {
  id: string;
  description: string;
  source: string;
  keywords: readonly string[];
}

const PREFIXED: Prefixed[] = [
  {
    id: 'openai-project-key',
    description: 'OpenAI project API key (sk-proj-)',
    keywords: ['sk-proj-'],
    source: 'sk-proj-[A-Za-z0-9_-]{80,200}',
  },
  {
    id: 'openai-service-account-key',
    description: 'OpenAI service account key (sk-svcacct-)',
    keywords: ['sk-svcacct-'],
    source: 'sk-svcacct-[A-Za-z0-9_-]{80,200}',
  },
  {
    id: 'openai-admin-key',
    description: 'OpenAI admin key (sk-admin-)',
    keywords: ['sk-admin-'],
    source: 'sk-admin-[A-Za-z0-9_-]{80,200}',
  },
  {
    id: 'openai-legacy-key',
    description: 'OpenAI user API key (T3BlbkFJ marker)',
    keywords: ['t3blbkfj'],
    source: 'sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}',
  },
  {
    id: 'anthropic-api-key',
    description: 'Anthropic API or admin key (sk-ant-)',
    keywords: ['sk-ant-'],
    source: 'sk-ant-(?:api|admin|sid)\\d{2}-[A-Za-z0-9_-]{80,120}',
  },
  {
    id: 'openrouter-api-key',
    description: 'OpenRouter API key',
    keywords: ['sk-or-v1-'],
    source: 'sk-or-v1-[a-f0-9]{64}',
  },
  // sk-<48 alphanumerics> is used by Moonshot (Kimi) and many OpenAI-compatible gateways.
  {
    id: 'sk-api-key',
    description: 'sk- API key (Moonshot, OpenAI-compatible gateways)',
    keywords: ['sk-'],
    source: 'sk-[A-Za-z0-9]{48}',
  },
  // sk-<32 hex> is DeepSeek's and Alibaba DashScope's shape.
  {
    id: 'deepseek-api-key',
    description: 'DeepSeek / DashScope API key (sk- + 32 hex)',
    keywords: ['sk-'],
    source: 'sk-[a-f0-9]{32}',
  },
  {
    id: 'huggingface-token',
    description: 'Hugging Face access token',
    keywords: ['hf_'],
    source: 'hf_[A-Za-z0-9]{34}',
  },
  {
    id: 'huggingface-org-token',
    description: 'Hugging Face organisation API token',
    keywords: ['api_org_'],
    source: 'api_org_[A-Za-z0-9]{34}',
  },
  {
    id: 'replicate-api-token',
    description: 'Replicate API token',
    keywords: ['r8_'],
    source: 'r8_[A-Za-z0-9]{37}',
  },
  { id: 'groq-api-key', description: 'Groq API key', keywords: ['gsk_'], source: 'gsk_[A-Za-z0-9]{52}' },
  {
    id: 'databricks-token',
    description: 'Databricks personal access token',
    keywords: ['dapi'],
    source: 'dapi[a-f0-9]{32}(?:-\\d)?',
  },
  {
    id: 'perplexity-api-key',
    description: 'Perplexity API key',
    keywords: ['pplx-'],
    source: 'pplx-[A-Za-z0-9]{48}',
  },
  { id: 'xai-api-key', description: 'xAI API key', keywords: ['xai-'], source: 'xai-[A-Za-z0-9]{80}' },
  {
    id: 'langsmith-api-key',
    description: 'LangSmith API key',
    keywords: ['lsv2_'],
    source: 'lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}',
  },
  {
    id: 'pinecone-api-key',
    description: 'Pinecone API key',
    keywords: ['pcsk_'],
    source: 'pcsk_[A-Za-z0-9_]{50,}',
  },
  {
    id: 'fireworks-api-key',
    description: 'Fireworks AI API key',
    keywords: ['fw_'],
    source: 'fw_[A-Za-z0-9]{24}',
  },
  {
    id: 'zhipu-api-key',
    description: 'Zhipu AI (BigModel/GLM) API key',
    keywords: ['zhipu', 'bigmodel', 'glm'],
    source: '[a-f0-9]{32}\\.[A-Za-z0-9]{16}',
  },
];

export function aiSecretDetectors(): RankedDetector[] {
  const tokens = PREFIXED.map((p) => tokenDetector(p));
  const assigned = [
    assignmentDetector({
      id: 'cohere-api-key',
      description: 'Cohere API key',
      keywords: ['cohere', 'co_api'],
      key: '(?:cohere|co)[_.-]?api[_.-]?key',
      value: /^[A-Za-z0-9]{40}$/,
    }),
    assignmentDetector({
      id: 'mistral-api-key',
      description: 'Mistral AI API key',
      keywords: ['mistral'],
      key: 'mistral[\\w.-]{0,16}(?:api[_.-]?key|token|key)',
      value: /^[A-Za-z0-9]{32}$/,
    }),
    assignmentDetector({
      id: 'together-api-key',
      description: 'Together AI API key',
      keywords: ['together'],
      key: 'together[\\w.-]{0,16}(?:api[_.-]?key|token|key)',
      value: /^(?:tgp_v1_[A-Za-z0-9_-]{43}|[a-f0-9]{64})$/,
    }),
    assignmentDetector({
      id: 'moonshot-api-key',
      description: 'Moonshot (Kimi) API key assigned to a key name',
      keywords: ['moonshot', 'kimi'],
      key: '(?:moonshot|kimi)[\\w.-]{0,16}(?:api[_.-]?key|token|key)',
      value: /^sk-[A-Za-z0-9]{40,64}$/,
    }),
  ];
  return [...tokens, ...assigned];
}
