import type { TemplateJson } from './metric-wiring';

/**
 * Who reads each topic a stage's alarms and budgets notify, from the synthesized template: SNS
 * subscriptions (a person's e-mail or HTTPS endpoint, or a function), AWS Chatbot channels, and the
 * e-mail parameter that a template rule refuses empty (`AlarmSubscribers` with no subscriber).
 */
export interface TopicReader {
  readonly topic: string;
  /** `email`, `https`, `lambda`, `chatbot`, or `parameter <name>` (refused empty by a rule). */
  readonly reader: string;
  /** A person reads it (not a function). */
  readonly person: boolean;
}

const refOf = (value: unknown): string | undefined =>
  value && typeof value === 'object' && 'Ref' in value ? (value as { Ref: string }).Ref : undefined;

/**
 * Evaluates a template rule's assertion for the given parameter values: the condition functions
 * CloudFormation allows in rules that `AlarmSubscribers` uses (Fn::Not, Fn::Equals, Fn::And, Fn::Or, Ref).
 */
export function evaluateAssertion(assertion: unknown, parameters: Readonly<Record<string, string>>): unknown {
  if (typeof assertion !== 'object' || assertion === null) return assertion;
  const [fn, args] = Object.entries(assertion)[0] as [string, unknown];
  const all = () => (args as unknown[]).map((arg) => evaluateAssertion(arg, parameters));
  switch (fn) {
    case 'Ref':
      if (!((args as string) in parameters)) throw new Error(`No value for parameter ${String(args)}`);
      return parameters[args as string];
    case 'Fn::Not':
      return !all()[0];
    case 'Fn::Equals': {
      const [a, b] = all();
      return a === b;
    }
    case 'Fn::And':
      return all().every(Boolean);
    case 'Fn::Or':
      return all().some(Boolean);
    default:
      throw new Error(`evaluateAssertion does not know ${fn}; add it here`);
  }
}

/** The parameters whose empty value some rule of the template refuses (the others given a value). */
export function parametersRefusedEmpty(template: TemplateJson): string[] {
  const names = Object.keys(template.Parameters ?? {});
  return names.filter((name) => {
    const values = Object.fromEntries(names.map((p) => [p, p === name ? '' : 'someone@example.com']));
    return Object.values(template.Rules ?? {}).some((rule) =>
      rule.Assertions.some((assertion) => {
        try {
          return evaluateAssertion(assertion.Assert, values) === false;
        } catch {
          return false; // a rule over something else
        }
      }),
    );
  });
}

/** Every reader of every topic of the template. */
export function topicReaders(template: TemplateJson): TopicReader[] {
  const refused = new Set(parametersRefusedEmpty(template));
  const readers: TopicReader[] = [];
  for (const resource of Object.values(template.Resources)) {
    const props = resource.Properties ?? {};
    if (resource.Type === 'AWS::SNS::Subscription') {
      const topic = refOf(props.TopicArn);
      if (!topic) continue;
      const parameter = refOf(props.Endpoint);
      const protocol = String(props.Protocol);
      if (parameter && (template.Parameters ?? {})[parameter] !== undefined) {
        // A parameter that may be empty subscribes nobody.
        if (refused.has(parameter)) readers.push({ topic, reader: `parameter ${parameter}`, person: true });
        continue;
      }
      readers.push({ topic, reader: protocol, person: ['email', 'email-json', 'https', 'sms'].includes(protocol) });
    }
    if (resource.Type === 'AWS::Chatbot::SlackChannelConfiguration') {
      for (const arn of (props.SnsTopicArns as unknown[]) ?? []) {
        const topic = refOf(arn);
        if (topic) readers.push({ topic, reader: 'chatbot', person: true });
      }
    }
  }
  return readers;
}

/** What notifies which topic: each alarm's actions, and each budget's SNS subscribers. */
export function notifiers(template: TemplateJson): Array<{ notifier: string; topics: string[] }> {
  const found: Array<{ notifier: string; topics: string[] }> = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    const props = resource.Properties ?? {};
    if (resource.Type === 'AWS::CloudWatch::Alarm') {
      const topics = ((props.AlarmActions as unknown[]) ?? []).map(refOf).filter((t): t is string => Boolean(t));
      found.push({ notifier: `alarm ${id}`, topics });
    }
    if (resource.Type === 'AWS::Budgets::Budget') {
      const notifications = (props.NotificationsWithSubscribers as Array<{ Subscribers: unknown[] }>) ?? [];
      const topics = notifications.flatMap((n) =>
        (n.Subscribers as Array<{ SubscriptionType: string; Address: unknown }>)
          .filter((s) => s.SubscriptionType === 'SNS')
          .map((s) => refOf(s.Address))
          .filter((t): t is string => Boolean(t)),
      );
      found.push({ notifier: `budget ${id}`, topics });
    }
  }
  return found;
}

/**
 * What is wrong with who hears the template's alarms: a notifier whose topics no person reads, a
 * topic nobody reads.
 */
export function unheardNotifiers(template: TemplateJson): string[] {
  const readers = topicReaders(template);
  const problems: string[] = [];
  for (const { notifier, topics } of notifiers(template)) {
    if (!topics.some((topic) => readers.some((r) => r.topic === topic && r.person))) {
      problems.push(`${notifier} notifies [${topics.join(', ')}], which no person reads`);
    }
    for (const topic of topics) {
      if (!readers.some((r) => r.topic === topic)) problems.push(`${notifier} notifies ${topic}, which nobody reads`);
    }
  }
  return problems;
}
