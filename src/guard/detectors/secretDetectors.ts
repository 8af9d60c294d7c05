// The secret catalogue: every built-in secret detector, grouped by family in the modules it imports.
import { aiSecretDetectors } from './aiSecretDetectors';
import { cloudSecretDetectors } from './cloudSecretDetectors';
import { devPlatformSecretDetectors } from './devPlatformSecretDetectors';
import type { RankedDetector } from './patternDetector';
import { saasSecretDetectors } from './saasSecretDetectors';
import { structuredSecretDetectors } from './structuredSecretDetectors';

export function secretDetectors(): RankedDetector[] {
  return [
    ...cloudSecretDetectors(),
    ...devPlatformSecretDetectors(),
    ...saasSecretDetectors(),
    ...aiSecretDetectors(),
    ...structuredSecretDetectors(),
  ];
}
