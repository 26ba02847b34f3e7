import type Redis from 'ioredis';
import type { ChatCompletion } from '../../openai/types';
import type { CallFacts, AnswerCache } from '../../pipeline/ports';
import { withDeadline } from '../../util/deadline';
import { cacheability, exactCacheKey } from './exact-key';
import type { ExactCacheSettings } from '../../../contract/config/exact-cache';
import { REQUEST_HEADERS } from '../../../contract/headers';

/** Where answers are kept. Values are opaque strings; keys already carry the tenant. */
export interface CacheStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
}

export class RedisCacheStore implements CacheStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'llmgw:',
  ) {}
  async get(key: string): Promise<string | undefined> {
    return (await this.redis.get(`${this.prefix}cache:${key}`)) ?? undefined;
  }
  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    await this.redis.set(`${this.prefix}cache:${key}`, value, 'EX', ttlSeconds);
  }
}

/** In this process, bounded by entry count (oldest first out, a tenth at a time). */
export class InMemoryCacheStore implements CacheStore {
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();
  constructor(
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}
  async get(key: string): Promise<string | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }
  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + ttlSeconds * 1000 });
    if (this.entries.size > this.maxEntries) {
      // The oldest tenth goes in one pass. Deleting one entry at a time from the front of a Map
      // leaves holes that every later `keys().next()` walks over: 16 µs a call at 10,000 entries.
      let excess = this.entries.size - this.maxEntries + Math.ceil(this.maxEntries / 10);
      for (const oldest of this.entries.keys()) {
        if (excess-- <= 0) break;
        this.entries.delete(oldest);
      }
    }
  }
}

interface CachePlan {
  readonly lookup: boolean;
  readonly store: boolean;
  readonly ttl: number;
  readonly key: string;
}

/**
 * The exact-match answer cache. A hit never reaches a provider. A cache that cannot answer within
 * `timeoutMs` is a miss: the cache can make calls cheaper, never make them fail.
 */
export class ExactCache implements AnswerCache {
  constructor(
    private readonly settings: ExactCacheSettings,
    private readonly backend: CacheStore,
  ) {}

  /** One plan per call, for its lookup and its store: the key (canonical JSON and SHA-256) is derived once. */
  private readonly plans = new WeakMap<CallFacts, CachePlan>();

  private plan(facts: CallFacts): CachePlan {
    let plan = this.plans.get(facts);
    if (!plan) this.plans.set(facts, (plan = this.planFor(facts)));
    return plan;
  }

  private planFor(facts: CallFacts): CachePlan {
    const overrides = this.settings.models[facts.model.name] ?? {};
    if (!(overrides.enabled ?? this.settings.enabled)) return { lookup: false, store: false, ttl: 0, key: '' };
    const allowed = cacheability(
      facts.request,
      facts.headers[REQUEST_HEADERS.cacheControl],
      overrides.nonDeterministic ?? false,
    );
    if (!allowed.lookup && !allowed.store) return { ...allowed, ttl: 0, key: '' };
    return {
      ...allowed,
      ttl: overrides.ttlSeconds ?? this.settings.ttlSeconds,
      key: exactCacheKey(facts.identity.tenant, facts.model.name, facts.request),
    };
  }

  private bounded<T>(work: Promise<T>): Promise<T | undefined> {
    return withDeadline(work, this.settings.timeoutMs).catch(() => undefined);
  }

  async lookup(facts: CallFacts): Promise<ChatCompletion | undefined> {
    const plan = this.plan(facts);
    if (!plan.lookup) return undefined;
    const value = await this.bounded(this.backend.get(plan.key));
    return value ? (JSON.parse(value) as ChatCompletion) : undefined;
  }

  async store(facts: CallFacts, completion: ChatCompletion): Promise<void> {
    const plan = this.plan(facts);
    if (!plan.store || completion.choices.some((c) => c.finish_reason === 'length' && facts.request.max_tokens == null))
      return;
    const value = JSON.stringify(completion);
    if (Buffer.byteLength(value) > this.settings.maxEntryBytes) return;
    await this.bounded(this.backend.set(plan.key, value, plan.ttl));
  }
}
