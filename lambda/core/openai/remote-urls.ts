import { lookup } from 'node:dns/promises';
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { GatewayError } from '../http/errors';
import { withDeadline } from '../util/deadline';
import type { ChatCompletionRequest } from './types';
import type { RemoteUrlSettings } from '../../contract/config/remote-urls';

/**
 * URLs in a request that something will fetch: an image, audio, video or file part's URL. The
 * gateway never fetches them itself, but the provider does, and a self-hosted one (vLLM, Triton)
 * fetches from inside the VPC: a URL naming 169.254.169.254, a private address or a name that
 * resolves to one would be a request forgery into the network (SSRF). So each such URL must be
 * https on the default port, carry no credentials, and name a public host; a name is resolved and
 * every address it has must be public. `data:` URLs are always accepted.
 *
 * What this cannot see: a public server that answers with a redirect to a private address, or a
 * name whose DNS answer changes between this check and the provider's fetch (rebinding). Where the
 * fetcher is inside the VPC, set `allow: "none"` (data: URLs only) or restrict the fetcher itself
 * (vLLM's --allowed-media-domains).
 */

/** Every address of a host name. */
export type HostResolver = (hostname: string) => Promise<string[]>;

export const systemResolver: HostResolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

/** Not public: loopback, private, link-local (cloud metadata), shared, reserved, documentation, multicast. */
const NOT_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['::', 96], // IPv4-compatible (deprecated)
  ['::ffff:0:0:0', 96], // IPv4-translated (SIIT): never a public destination
  ['100::', 64], // discard
  ['2001::', 23], // IETF protocol assignments (Teredo, ORCHID, ...)
  ['2001:db8::', 32], // documentation
  ['64:ff9b:1::', 48], // local-use IPv4/IPv6 translation
  ['fc00::', 7], // unique local, which holds AWS's IMDS at fd00:ec2::254
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

/** The 16 bytes of an IPv6 address (with `::` and a trailing dotted IPv4 allowed). */
function ipv6Bytes(address: string): number[] {
  let text = address;
  const dotted = /(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1].split('.').map(Number);
    text = `${text.slice(0, -dotted[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const groups = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const left = groups(head);
  const right = groups(tail);
  const all = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill(0), ...right];
  return all.flatMap((group) => [group >> 8, group & 0xff]);
}

/** An IPv4 address carried inside an IPv6 one by a translation scheme (NAT64, 6to4), if any. */
function embeddedIpv4(address: string): string | undefined {
  const bytes = ipv6Bytes(address);
  const isPrefix = (prefix: number[]) => prefix.every((byte, i) => bytes[i] === byte);
  if (isPrefix([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff])) return bytes.slice(12).join('.'); // ::ffff:0:0/96, mapped
  if (isPrefix([0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0])) return bytes.slice(12).join('.'); // 64:ff9b::/96
  if (isPrefix([0x20, 0x02])) return bytes.slice(2, 6).join('.'); // 2002::/16
  return undefined;
}

/** True when an IP address (v4 or v6, without brackets) is a public unicast address. */
export function isPublicAddress(address: string): boolean {
  if (isIPv4(address)) return !NOT_PUBLIC.check(address, 'ipv4');
  if (!isIPv6(address)) return false;
  if (NOT_PUBLIC.check(address, 'ipv6')) return false; // IPv4-mapped addresses are checked as IPv4 here
  const inner = embeddedIpv4(address);
  return inner === undefined || !NOT_PUBLIC.check(inner, 'ipv4');
}

/** Names that only ever mean something inside a network, refused without asking DNS. */
const INTERNAL_NAME = /(^|\.)(localhost|local|localdomain|internal|intranet|lan|home|corp|home\.arpa|arpa)$/;

interface UrlField {
  readonly path: string;
  readonly url: string;
}

/** `url` and `*_url` fields of each content part, and one level inside them (`image_url.url`). */
export function urlFields(request: Pick<ChatCompletionRequest, 'messages'>): UrlField[] {
  const found: UrlField[] = [];
  const isUrlKey = (key: string) => key === 'url' || key.endsWith('_url');
  request.messages.forEach((message, i) => {
    if (!Array.isArray(message.content)) return;
    message.content.forEach((part, j) => {
      for (const [key, value] of Object.entries(part)) {
        const at = `messages.${i}.content.${j}.${key}`;
        if (isUrlKey(key) && typeof value === 'string') found.push({ path: at, url: value });
        if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
          for (const [inner, innerValue] of Object.entries(value as Record<string, unknown>)) {
            if (isUrlKey(inner) && typeof innerValue === 'string')
              found.push({ path: `${at}.${inner}`, url: innerValue });
          }
        }
      }
    });
  });
  return found;
}

/** Checks every fetchable URL of a request; refuses with a 400 that names the field and the rule. */
export class RemoteUrlGuard {
  constructor(
    private readonly settings: RemoteUrlSettings,
    private readonly resolve: HostResolver = systemResolver,
    /** `data:` URLs carry their content and fetch nothing: accepted, except where a place is wanted. */
    private readonly accepts: { readonly dataUrls: boolean } = { dataUrls: true },
  ) {}

  async check(request: Pick<ChatCompletionRequest, 'messages'>): Promise<void> {
    const fields = urlFields(request);
    if (fields.length > 0) await this.checkAll(fields);
  }

  /** Checks one URL the platform will fetch itself (a job's webhook); the 400 names `path`. */
  checkUrl(path: string, url: string): Promise<void> {
    return this.checkAll([{ path, url }]);
  }

  private refuse(field: UrlField, why: string): never {
    throw GatewayError.badRequest(`Invalid value for '${field.path}': ${why}.`, field.path, 'url_not_allowed');
  }

  /** Every URL's form first (no I/O), then one look-up per distinct host name, at most `maxHosts`. */
  private async checkAll(fields: readonly UrlField[]): Promise<void> {
    const byHost = new Map<string, UrlField>();
    for (const field of fields) {
      const host = this.hostToResolve(field);
      if (host !== undefined && !byHost.has(host)) {
        if (byHost.size === this.settings.maxHosts) {
          this.refuse(field, `a request may name at most ${this.settings.maxHosts} distinct host names`);
        }
        byHost.set(host, field);
      }
    }
    await Promise.all([...byHost].map(([host, field]) => this.checkAddresses(host, field)));
  }

  /** Refuses a URL whose form is not allowed; the host name to look up, if it has one. */
  private hostToResolve(field: UrlField): string | undefined {
    if (/^data:/i.test(field.url)) {
      if (this.accepts.dataUrls) return undefined;
      this.refuse(field, 'a data: URL is not a place; send an https URL');
    }
    if (this.settings.allow === 'none') this.refuse(field, 'only data: URLs are accepted by this gateway');
    if (field.url.length > this.settings.maxLength) {
      this.refuse(field, `a URL may have at most ${this.settings.maxLength} characters`);
    }
    let url: URL;
    try {
      url = new URL(field.url);
    } catch {
      return this.refuse(field, `is not a URL; send an https URL${this.accepts.dataUrls ? ' or a data: URL' : ''}`);
    }
    if (url.protocol !== 'https:') {
      this.refuse(
        field,
        `only https URLs${this.accepts.dataUrls ? ' (or data: URLs)' : ''} are accepted, not ${url.protocol}`,
      );
    }
    if (url.username || url.password) this.refuse(field, 'a URL may not carry a user name or password');
    if (url.port) this.refuse(field, 'a URL must use the default https port');
    const host = url.hostname.replace(/\.$/, '').toLowerCase();
    if (host.startsWith('[')) {
      if (!isPublicAddress(host.slice(1, -1))) this.refuse(field, 'the address is not a public one');
      return undefined;
    }
    if (isIPv4(host)) {
      if (!isPublicAddress(host)) this.refuse(field, 'the address is not a public one');
      return undefined;
    }
    if (!host.includes('.') || INTERNAL_NAME.test(host)) this.refuse(field, 'the host is not a public name');
    return host;
  }

  private async checkAddresses(host: string, field: UrlField): Promise<void> {
    let addresses: string[];
    try {
      addresses = await withDeadline(this.resolve(host), this.settings.resolveTimeoutMs);
    } catch {
      return this.refuse(field, 'the host name could not be resolved');
    }
    if (addresses.length === 0) this.refuse(field, 'the host name could not be resolved');
    if (!addresses.every(isPublicAddress))
      this.refuse(field, 'the host name resolves to an address that is not public');
  }
}
