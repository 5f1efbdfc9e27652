/** Public API of the personalization core (pure functions; storage and rendering live elsewhere). */
export { prepareBuild, planForSubscriber, planEdition, profileFor, toEdition } from './plan.js';
export type { BuildInput, PreparedBuild, PlanSubscriber, PlanInput, PlanOptions, EditionPlan, SourceInfo } from './plan.js';
export { buildProfile, describeProfile } from './profile.js';
export type { Profile, ProfileInput, ProfileView, ProfileClickInput } from './profile.js';
export { DEFAULT_SETTINGS, EditorSettingsSchema, validateSettings, lastGoodSettings, TAXONOMY_TOPICS, SENSITIVE_ONLY_TOPICS } from './settings.js';
export type { EditorSettings, EditorSettingsInput, SettingsResult, LastGood } from './settings.js';
export { editionMetrics, entropy, intraListDiversity } from './metrics.js';
export { explainItem } from './explain.js';
export { haversineKm, geoClass, localMatch } from './geo.js';
export { syntheticWorld, benchPlanning } from './bench.js';
