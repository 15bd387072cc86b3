/**
 * Named stage bands for tap ordering, lowest first, with wide gaps so a plugin can sit
 * between two bands (`STAGES.POLICY + 10`). The default plugins take Kong's order:
 * authenticate, authorize, limit, transform, observe. A tap with no stage runs at DEFAULT,
 * in the order the config lists plugins.
 */
export const STAGES = Object.freeze({
  AUTHN: -3000,
  POLICY: -2000,
  LIMIT: -1000,
  DEFAULT: 0,
  TRANSFORM: 1000,
  OBSERVE: 2000,
});

export type StageName = keyof typeof STAGES;

/** Accepts a band name or a number, as config entries and taps may give either. */
export function resolveStage(stage: StageName | number): number {
  return typeof stage === "number" ? stage : STAGES[stage];
}
