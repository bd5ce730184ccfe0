/** Model versions shipped side by side; the `reserves_v1.1` flag picks between them. */
export type ModelVersion = 'v1.0' | 'v1.1';
export const MODEL_VERSIONS: readonly ModelVersion[] = ['v1.0', 'v1.1'];

/** The three computation engines. */
export type EngineName = 'reserves' | 'pacing' | 'cohorts';
export const ENGINE_NAMES: readonly EngineName[] = ['reserves', 'pacing', 'cohorts'];
