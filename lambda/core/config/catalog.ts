import { GatewayError } from '../http/errors';
import type { ResolvedModel } from '../pipeline/ports';
import type { CallerIdentity } from '../http/types';
import type { GatewayConfig, ModelEntry } from '../../contract/config/gateway-config';

/** Public model names and aliases, resolved once at start-up so a request costs one map lookup. */
export class ModelCatalog {
  private readonly byName = new Map<string, ResolvedModel>();

  constructor(readonly config: GatewayConfig) {
    for (const [name, entry] of Object.entries(config.models)) {
      const resolved: ResolvedModel = {
        name,
        entry,
        deployments: entry.deployments.map((id) => ({ id, deployment: config.deployments[id] })),
      };
      for (const alias of [name, ...entry.aliases]) this.byName.set(alias, resolved);
    }
  }

  /** The model a request names, or a 404 in OpenAI's words. */
  resolve(requested: string, kind: ModelEntry['kind']): ResolvedModel {
    const model = this.byName.get(requested);
    if (!model || model.entry.kind !== kind) {
      throw GatewayError.notFound(
        `The model '${requested}' does not exist or you do not have access to it.`,
        'model',
        'model_not_found',
      );
    }
    return model;
  }

  /**
   * The model a caller names, if the caller may use it: a 404 when it does not exist (or is not of
   * this kind), a 403 when the caller's key is restricted to other models.
   */
  authorize(identity: CallerIdentity, requested: string, kind: ModelEntry['kind']): ResolvedModel {
    const model = this.resolve(requested, kind);
    if (identity.allowedModels && !identity.allowedModels.includes(model.name)) {
      throw GatewayError.forbidden(`Your API key may not use the model '${requested}'.`);
    }
    return model;
  }

  /**
   * The canonical name of a model the caller may use later (a job's, a collection's). The router's
   * model (`auto`) names itself: the tier it picks is checked on each call, as for any request.
   */
  authorizeName(identity: CallerIdentity, requested: string, kind: ModelEntry['kind']): string {
    if (kind === 'chat' && requested === this.config.routing?.model) return requested;
    return this.authorize(identity, requested, kind).name;
  }

  /** Canonical names, for `GET /v1/models`. */
  names(): string[] {
    return Object.keys(this.config.models);
  }
}
