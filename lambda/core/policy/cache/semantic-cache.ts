import { createHash } from 'node:crypto';
import type { ChatCompletion, ChatCompletionRequest, ChatMessage } from '../../openai/types';
import type { CallFacts, AnswerCache } from '../../pipeline/ports';
import { withDeadline } from '../../util/deadline';
import { type SqlClient, toVectorLiteral } from '../../vector/sql-client';
import type { QueryEmbedder } from './query-embedder';
import { ANSWER_CHANGING_PARAMS, cacheability, canonicalJson } from './exact-key';
import type { SemanticCacheSettings } from '../../../contract/config/semantic-cache';
import { REQUEST_HEADERS } from '../../../contract/headers';

export type SemanticCacheEvent =
  | { readonly type: 'semantic_cache.hit'; readonly similarity: number }
  | { readonly type: 'semantic_cache.unavailable'; readonly error: string };

function text(content: ChatMessage['content']): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  return content.map((part) => (part.type === 'text' ? (part as { text: string }).text : '')).join(' ');
}

/**
 * The partition a stored answer belongs to: the resolved model and every answer-changing parameter
 * other than the prompt itself, including the system prompt. Hits are searched only inside the
 * caller's tenant and this partition, in the SQL itself.
 */
export function semanticPartition(
  model: string,
  request: ChatCompletionRequest,
): { partition: string; prompt: string } {
  const params: Record<string, unknown> = {};
  for (const name of ANSWER_CHANGING_PARAMS) {
    if (name === 'messages') continue;
    const value = request[name];
    if (value !== undefined && value !== null) params[name] = value;
  }
  params.max_tokens = request.max_completion_tokens ?? request.max_tokens ?? undefined;
  const context = request.messages.slice(0, -1);
  const prompt = text(request.messages[request.messages.length - 1]?.content);
  const partition = createHash('sha256').update(canonicalJson({ model, params, context })).digest('hex');
  return { partition, prompt };
}

/**
 * Semantic answer cache over pgvector: the same SQL on Aurora and on embedded PGlite. A call's
 * prompt is embedded once, under its own deadline, and the vector serves both the lookup and the
 * store of a fresh answer.
 */
export class SemanticCache implements AnswerCache {
  private readonly embeddings = new WeakMap<CallFacts, Promise<number[] | undefined>>();

  constructor(
    private readonly settings: SemanticCacheSettings,
    private readonly db: SqlClient,
    private readonly embedder: QueryEmbedder,
    private readonly onEvent: (event: SemanticCacheEvent) => void = () => undefined,
  ) {}

  /** The call's prompt vector, embedded on first use; undefined when embedding failed or took too long. */
  private embedding(facts: CallFacts, prompt: string): Promise<number[] | undefined> {
    let pending = this.embeddings.get(facts);
    if (!pending) {
      pending = this.embed(facts, prompt);
      this.embeddings.set(facts, pending);
    }
    return pending;
  }

  private async embed(facts: CallFacts, prompt: string): Promise<number[] | undefined> {
    const controller = new AbortController();
    try {
      return await withDeadline(
        this.embedder.embed(prompt, facts, controller.signal),
        this.settings.embeddingTimeoutMs,
      );
    } catch (error) {
      controller.abort();
      this.onEvent({ type: 'semantic_cache.unavailable', error: `embedding: ${(error as Error).message}` });
      return undefined;
    }
  }

  private plan(facts: CallFacts) {
    const overrides = this.settings.models[facts.model.name] ?? {};
    const messages = facts.request.messages;
    const singleTurn =
      messages[messages.length - 1]?.role === 'user' &&
      messages.slice(0, -1).every((m) => m.role === 'system' || m.role === 'developer');
    if (overrides.enabled === false || (!singleTurn && !this.settings.multiTurn)) return undefined;
    const allowed = cacheability(
      facts.request,
      facts.headers[REQUEST_HEADERS.cacheControl],
      overrides.nonDeterministic ?? false,
    );
    return {
      ...allowed,
      threshold: overrides.threshold ?? this.settings.threshold,
      ...semanticPartition(facts.model.name, facts.request),
    };
  }

  private async guarded<T>(work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await withDeadline(work(), this.settings.timeoutMs);
    } catch (error) {
      this.onEvent({ type: 'semantic_cache.unavailable', error: (error as Error).message });
      return undefined;
    }
  }

  async lookup(facts: CallFacts): Promise<ChatCompletion | undefined> {
    const plan = this.plan(facts);
    if (!plan?.lookup || !plan.prompt) return undefined;
    const embedding = await this.embedding(facts, plan.prompt);
    if (!embedding) return undefined;
    return this.guarded(async () => {
      const { rows } = await this.db.query<{ response: ChatCompletion | string; similarity: number }>(
        `SELECT response, 1 - (embedding <=> $1) AS similarity
           FROM semantic_cache
          WHERE tenant = $2 AND partition = $3 AND expires_at > now()
          ORDER BY embedding <=> $1
          LIMIT 1`,
        [toVectorLiteral(embedding), facts.identity.tenant, plan.partition],
      );
      const best = rows[0];
      if (!best || Number(best.similarity) < plan.threshold) return undefined;
      this.onEvent({ type: 'semantic_cache.hit', similarity: Number(best.similarity) });
      return typeof best.response === 'string' ? (JSON.parse(best.response) as ChatCompletion) : best.response;
    });
  }

  async store(facts: CallFacts, completion: ChatCompletion): Promise<void> {
    const plan = this.plan(facts);
    if (!plan?.store || !plan.prompt) return;
    const embedding = await this.embedding(facts, plan.prompt);
    if (!embedding) return;
    await this.guarded(async () => {
      await this.db.query(
        `INSERT INTO semantic_cache (tenant, partition, prompt_hash, embedding, response, expires_at)
         VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))
         ON CONFLICT (tenant, partition, prompt_hash)
         DO UPDATE SET embedding = EXCLUDED.embedding, response = EXCLUDED.response, expires_at = EXCLUDED.expires_at`,
        [
          facts.identity.tenant,
          plan.partition,
          createHash('sha256').update(plan.prompt).digest('hex'),
          toVectorLiteral(embedding),
          JSON.stringify(completion),
          this.settings.ttlSeconds,
        ],
      );
    });
  }
}
