import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { type LookupFunction, isIP } from 'node:net';
import { type HostResolver, isPublicAddress, systemResolver } from '../openai/remote-urls';

/** Posts a signed body to a webhook URL and resolves with the HTTP status; rejects on network failure. */
export type WebhookPost = (
  url: string,
  headers: Readonly<Record<string, string>>,
  body: string,
  timeoutMs: number,
) => Promise<number>;

/** A connection was refused because the host's address is not one the platform may reach. */
export class AddressRefusedError extends Error {
  constructor(hostname: string) {
    super(`${hostname} resolves to an address that is not public`);
    this.name = 'AddressRefusedError';
  }
}

export interface WebhookPostOptions {
  /** Which resolved addresses a connection may go to. @default public addresses only */
  readonly allowAddress?: (address: string) => boolean;
  /** @default the system resolver */
  readonly resolve?: HostResolver;
}

/**
 * The connection's own DNS look-up runs the address check on every address it returns. Checking a
 * URL and then letting `fetch` resolve the name again leaves a window in which the name can start
 * answering with a private address (DNS rebinding: the worker would post into the VPC); here the
 * addresses checked are the addresses connected to. IP literals never reach a look-up: the URL check
 * refuses private ones, and an address cannot rebind.
 */
function guardedLookup(resolve: HostResolver, allowAddress: (address: string) => boolean): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        const usable = addresses.filter((address) => isIP(address) !== 0);
        if (usable.length === 0 || !usable.every(allowAddress)) {
          callback(new AddressRefusedError(hostname) as NodeJS.ErrnoException, '', 0);
          return;
        }
        const entries = usable.map((address) => ({ address, family: isIP(address) }));
        if (options.all) (callback as (e: null, a: typeof entries) => void)(null, entries);
        else callback(null, entries[0].address, entries[0].family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}

/**
 * A webhook poster on `node:http(s)`, whose connections go only to allowed addresses. No redirect
 * is followed (a redirect could point anywhere); the answer's body is read and thrown away.
 */
export function guardedWebhookPost(options: WebhookPostOptions = {}): WebhookPost {
  const lookup = guardedLookup(options.resolve ?? systemResolver, options.allowAddress ?? isPublicAddress);
  return (url, headers, body, timeoutMs) =>
    new Promise<number>((resolve, reject) => {
      const target = new URL(url);
      const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
      const request: RequestOptions = {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup,
        signal: AbortSignal.timeout(timeoutMs),
        agent: false, // a fresh connection, so a look-up (and its check) is made for each delivery
      };
      const req = send(target, request, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
}

/** Loopback addresses: what the local server's webhooks may reach besides public hosts. */
export function isLoopbackAddress(address: string): boolean {
  return address === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address);
}

/** The local server's poster: public addresses, and loopback ones (a receiver on the developer's machine). */
export function localWebhookPost(resolve?: HostResolver): WebhookPost {
  return guardedWebhookPost({
    resolve,
    allowAddress: (address) => isPublicAddress(address) || isLoopbackAddress(address),
  });
}
