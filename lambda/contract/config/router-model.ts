import * as z from 'zod/mini';
import '../zod-messages';

/**
 * What a deployment checks of the router's trained model file at synth: that it is one, and which
 * tiers it predicts (each must be a tier of the routing config). The function checks the rest of it
 * when it starts (`validateClassifierModel` in the router).
 */
export const routerModelHeaderSchema = z.looseObject({
  version: z.int(),
  tiers: z.array(z.string().check(z.minLength(1))).check(z.minLength(2)),
});

/** The tiers a router model predicts that the routing config lacks (none when it fits). */
export function tiersMissingFrom(
  modelTiers: readonly string[],
  configTiers: Readonly<Record<string, unknown>>,
): string[] {
  return modelTiers.filter((tier) => !Object.hasOwn(configTiers, tier));
}
