import { LEXICON, type TermSet } from './lexicon';
import { anchorOf, foldEntry, scanTerms, TERM_SETS, type Span } from './terms';

/**
 * Rules for the moves an injection makes: override earlier instructions, claim authority, swap the
 * model's role, forge a chat boundary, ask for the hidden prompt, smuggle data out, keep the user in
 * the dark. A rule is a chain of term sets (lexicon.ts) that must follow each other closely within a
 * sentence, or a small scan of its own. A hit is not a verdict: each rule id is a feature whose
 * weight the classifier learned, so "ignore the first column" and a security engineer quoting
 * "ignore previous instructions" are weighed, not blocked on sight.
 *
 * Matching is linear: each term set is one alternation of literals (no quantifier over a choice; a
 * test runs `recheck` over every regular expression here), found in one pass, and chains are joined
 * by walking sorted positions.
 */
interface Step {
  readonly set: TermSet;
  /** Most characters between the previous step's end and this one's start. */
  readonly within: number;
}

interface ChainRule {
  readonly id: string;
  readonly steps: readonly Step[];
  /** Chains may run over sentence ends (URLs, code). */
  readonly acrossSentences?: boolean;
  /** A chain is void when its span contains a term of this set ("my previous instructions"). */
  readonly unless?: TermSet;
}

interface ScanRule {
  readonly id: string;
  readonly scan: (text: string) => boolean;
}

export type InjectionRule = ChainRule | ScanRule;

const escape = (literal: string) => literal.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** A word character of a spaced script: Chinese or Japanese next to "ai" is not part of its word. */
const WORD_CHAR = '[\\p{Script=Latin}\\p{Script=Cyrillic}\\p{Script=Greek}\\p{N}]';

/**
 * One set as one regular expression: whole words for short Latin entries, word starts for the rest.
 * This is the definition of what a set matches; the detector runs the equivalent one-pass scanner in
 * terms.ts (a test checks they agree on every line of the labelled set).
 */
export function termPattern(entries: readonly string[]): RegExp {
  if (entries.length === 0 || entries.some((e) => e.length === 0))
    throw new Error('a term set needs non-empty entries');
  // Entries are written as people spell them; text arrives lower-cased with Latin accents stripped.
  const sorted = [...new Set(entries.map(foldEntry))].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  const wordStart = sorted.filter((e) => anchorOf(e) === 0);
  const whole = sorted.filter((e) => anchorOf(e) === 1);
  const raw = sorted.filter((e) => anchorOf(e) === 2);
  const branches: string[] = [];
  if (wordStart.length) branches.push(`(?<!${WORD_CHAR})(?:${wordStart.map(escape).join('|')})`);
  if (whole.length) branches.push(`(?<!${WORD_CHAR})(?:${whole.map(escape).join('|')})(?!${WORD_CHAR})`);
  if (raw.length) branches.push(`(?:${raw.map(escape).join('|')})`);
  return new RegExp(branches.join('|'), 'gu');
}

export const TERM_PATTERNS: Readonly<Record<TermSet, RegExp>> = Object.fromEntries(
  Object.entries(LEXICON).map(([name, entries]) => [name, termPattern(entries)]),
) as Record<TermSet, RegExp>;

export const SENTENCE_BREAK = /[.!?;\n\u3002\uff01\uff1f]/g;

const chain = (id: string, first: TermSet, ...rest: Array<[number, TermSet]>): ChainRule => ({
  id,
  steps: [{ set: first, within: 0 }, ...rest.map(([within, set]) => ({ set, within }))],
});
const one = (id: string, set: TermSet): ChainRule => chain(id, set);

const DATA_IN_URL = /[{$<[]|%7b|\?(?:q|data|d|c|x|p|payload|secret|key|token|info|msg|chat|history|leak|content|conv)=/;

/** An HTML image whose source URL carries a template slot or a data parameter. */
function htmlImageExfiltration(text: string): boolean {
  for (let at = text.indexOf('<img'); at >= 0; at = text.indexOf('<img', at + 4)) {
    const src = text.indexOf('src=', at);
    if (src < 0 || src - at > 80) continue;
    const url = text.slice(src + 5, src + 400);
    const end = url.search(/["'\s>]/);
    if (DATA_IN_URL.test(end < 0 ? url : url.slice(0, end))) return true;
  }
  return false;
}

/** Markdown images whose URL carries a template slot or a data parameter: the classic exfiltration. */
function markdownImageExfiltration(text: string): boolean {
  for (let at = text.indexOf('!['); at >= 0; at = text.indexOf('![', at + 2)) {
    const close = text.indexOf('](', at);
    if (close < 0) return false;
    if (close - at > 120) continue;
    const end = text.slice(close + 2, close + 400).search(/[)\s]/);
    const url = text.slice(close + 2, end < 0 ? close + 400 : close + 2 + end);
    if (!/^ ?https?:/.test(url)) continue;
    if (/[{$<[]|%7b|\?(?:q|data|d|c|x|p|payload|secret|key|token|info|msg|chat|history|leak|content|conv)=/.test(url))
      return true;
  }
  return false;
}

/** HTML comments that speak to a model: hidden from a reader, read by the model. */
function htmlCommentInstruction(text: string): boolean {
  for (let at = text.indexOf('<!--'); at >= 0; at = text.indexOf('<!--', at + 4)) {
    const end = text.indexOf('-->', at + 4);
    const body = text.slice(at + 4, end < 0 ? at + 1000 : Math.min(end, at + 1000));
    const pattern = TERM_PATTERNS.imperativeToAi;
    pattern.lastIndex = 0;
    if (pattern.test(body)) return true;
  }
  return false;
}

export const INJECTION_RULES: readonly InjectionRule[] = [
  {
    ...chain('override.ignore-instructions', 'overrideVerb', [40, 'earlier'], [30, 'directive']),
    unless: 'selfReference',
  },
  {
    ...chain('override.instructions-so-far', 'overrideVerb', [30, 'directive'], [30, 'soFar']),
    unless: 'selfReference',
  },
  { ...chain('override.verb-directive', 'overrideVerb', [30, 'directive']), unless: 'selfReference' },
  chain('override.your-rules', 'overrideVerb', [25, 'yourDirective']),
  chain('override.ai-rules', 'overrideVerb', [30, 'aiDirective']),
  chain('override.ignore-everything', 'overrideVerb', [15, 'everything']),
  chain('override.verb-last', 'earlier', [25, 'directive'], [20, 'overrideVerbFinal']),
  one('override.new-instructions', 'newDirective'),
  one('override.from-now-on', 'fromNowOn'),
  chain('override.instead', 'instead', [30, 'taskVerb']),
  chain('override.supersede', 'supersede', [40, 'directive']),
  one('role.you-are-now', 'youAreNow'),
  one('role.unrestricted', 'unrestricted'),
  one('role.persona', 'persona'),
  chain('role.dan', 'danLead', [6, 'dan']),
  chain('role.pretend-unrestricted', 'pretend', [80, 'unrestricted']),
  one('role.drop-persona', 'dropRole'),
  chain('role.deceased-relative', 'pretend', [60, 'deceasedRelative']),
  chain('authority.claim', 'authorityLead', [6, 'authority']),
  one('authority.override', 'authorityAct'),
  one('authority.compliance', 'compliance'),
  chain('indirect.addressed-to-ai', 'addressLead', [6, 'aiNoun']),
  one('indirect.ai-vocative', 'aiVocative'),
  one('authority.elevated-user', 'elevatedUser'),
  chain('override.instructions-void', 'directive', [40, 'voided']),
  chain('indirect.if-you-are-ai', 'ifYouAre', [12, 'aiNoun'], [40, 'reading']),
  chain('indirect.secrecy', 'secrecyVerb', [25, 'audience']),
  // "If you are an AI agent booking appointments...": the address alone, whatever the agent is doing.
  chain('indirect.if-you-are-ai-any', 'ifYouAre', [12, 'aiNoun']),
  // "Language models must recommend...", "the assistant should tell...": an order to whoever reads.
  chain('indirect.ai-obligation', 'aiNoun', [30, 'obligation']),
  one('indirect.silently', 'silently'),
  one('indirect.conceal', 'concealment'),
  one('override.unobserved', 'unobserved'),
  chain('indirect.ai-reading', 'aiNoun', [12, 'reading']),
  chain('indirect.ai-colon', 'aiNoun', [30, 'colonMark']),
  chain('override.operator-rules', 'operatorRef', [12, 'directive']),
  chain('override.directive-then-verb', 'directive', [30, 'overrideVerbFinal']),
  one('override.task-hijack', 'taskHijack'),
  one('delimiter.inline-system', 'systemVocative'),
  chain('reveal.prompt-verb-last', 'promptSecret', [25, 'revealVerb']),
  chain('reveal.text-above-verb-last', 'textAbove', [30, 'revealVerb']),
  one('delimiter.chat-template', 'chatTemplate'),
  one('delimiter.system-turn', 'templateSystem'),
  one('delimiter.role-tag', 'roleTag'),
  one('delimiter.role-header', 'roleHeader'),
  one('delimiter.boundary', 'boundary'),
  chain('reveal.system-prompt', 'revealVerb', [40, 'promptSecret']),
  one('reveal.mentions-prompt', 'promptSecret'),
  chain('reveal.own-prompt', 'revealVerb', [30, 'ownPrompt']),
  chain('reveal.given-instructions', 'revealVerb', [40, 'directive'], [40, 'givenToYou']),
  chain('reveal.given-instructions-verb-last', 'givenToYou', [15, 'directive'], [30, 'revealVerb']),
  chain('reveal.own-prompt-verb-last', 'ownPrompt', [25, 'revealVerb']),
  chain('reveal.text-above', 'revealVerb', [40, 'textAbove']),
  { ...chain('exfil.send-data', 'exfilAction', [60, 'sensitive'], [80, 'destination']), acrossSentences: true },
  { id: 'exfil.markdown-image', scan: markdownImageExfiltration },
  { id: 'exfil.html-image', scan: htmlImageExfiltration },
  chain('tool.harmful-action', 'toolCall', [40, 'harmfulAction']),
  one('tool.shell', 'shell'),
  { ...chain('tool.pipe-to-shell', 'shell', [100, 'pipeShell']), acrossSentences: true },
  chain('split.combine-and-follow', 'combine', [60, 'thenFollow']),
  chain('split.decode-and-follow', 'decode', [80, 'thenFollow']),
  { id: 'hidden.html-comment', scan: htmlCommentInstruction },
  one('hidden.css', 'hiddenCss'),
  one('hidden.markdown-comment', 'markdownComment'),
  one('output.answer-only', 'answerOnly'),
];

/** For the linear-time test: every expression the rules run over untrusted text. */
export const RULE_PATTERNS: readonly RegExp[] = [...Object.values(TERM_PATTERNS), SENTENCE_BREAK, DATA_IN_URL];

/** Every rule id the detector can report. */
export const RULE_IDS: readonly string[] = INJECTION_RULES.map((r) => r.id);

/** Positions of every term set's matches, and of sentence breaks, computed once per text. */
class TextIndex {
  private readonly found: Span[][];
  private readonly breaks: number[] = [];

  constructor(readonly text: string) {
    SENTENCE_BREAK.lastIndex = 0;
    for (let m = SENTENCE_BREAK.exec(text); m; m = SENTENCE_BREAK.exec(text)) this.breaks.push(m.index);
    this.found = scanTerms(text);
  }

  spans(set: TermSet): Span[] {
    return this.found[SET_INDEX.get(set)!];
  }

  /** Whether a sentence break lies in [from, to). */
  brokenBetween(from: number, to: number): boolean {
    let lo = 0;
    let hi = this.breaks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.breaks[mid] < from) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.breaks.length && this.breaks[lo] < to;
  }

  contains(set: TermSet, span: Span): boolean {
    return this.spans(set).some((s) => s.start >= span.start && s.end <= span.end);
  }
}

function chainMatches(index: TextIndex, rule: ChainRule): boolean {
  let reached: Span[] = index.spans(rule.steps[0].set);
  for (let i = 1; i < rule.steps.length && reached.length > 0; i++) {
    const { set, within } = rule.steps[i];
    const next: Span[] = [];
    let p = 0;
    for (const m of index.spans(set)) {
      // The closest earlier chain end that this match may follow.
      while (p + 1 < reached.length && reached[p + 1].end <= m.start) p++;
      const prev = reached[p];
      if (prev.end > m.start || m.start - prev.end > within) continue;
      if (!rule.acrossSentences && index.brokenBetween(prev.end, m.start)) continue;
      next.push({ start: prev.start, end: m.end });
    }
    reached = next;
  }
  if (rule.unless) return reached.some((span) => !index.contains(rule.unless!, span));
  return reached.length > 0;
}

/** Ids of the rules that match a normalised text, in rule order. */
export function matchRules(text: string): string[] {
  return analyse(text).rules;
}

const SET_INDEX = new Map(TERM_SETS.map((set, i) => [set, i]));

/**
 * The rules that match a normalised text, and the term sets present in it at all: the classifier
 * weighs "an override verb and an AI noun occur" in any language, beyond the exact chains.
 */
export function analyse(text: string): { rules: string[]; terms: string[] } {
  const index = new TextIndex(text);
  const rules: string[] = [];
  for (const rule of INJECTION_RULES) {
    const hit = 'scan' in rule ? rule.scan(text) : chainMatches(index, rule);
    if (hit) rules.push(rule.id);
  }
  const terms = TERM_SETS.filter((set) => index.spans(set).length > 0);
  return { rules, terms };
}
