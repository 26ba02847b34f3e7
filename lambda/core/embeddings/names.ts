import { GatewayError } from '../http/errors';

/** Letters, digits, `.`, `_` and `-`, starting with a letter or digit: safe in URLs and S3 keys. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function isCollectionName(value: string): boolean {
  return NAME.test(value);
}

export function validateCollectionName(value: string, param = 'name'): string {
  if (!isCollectionName(value)) {
    throw GatewayError.badRequest(
      `'${value}' is not a collection name: use 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit.`,
      param,
    );
  }
  return value;
}
