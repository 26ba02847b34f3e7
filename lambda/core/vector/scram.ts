import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for a password (RFC 5802, RFC 7677), in the form
 * `CREATE ROLE ... PASSWORD '<verifier>'` accepts as already hashed: the password itself never
 * travels in a SQL statement, so no statement log or error message can show it.
 *
 * Only printable ASCII passwords are accepted: for them PostgreSQL's SASLprep step changes nothing,
 * so the verifier computed here is the one the server would compute.
 */
export function scramSha256Verifier(password: string, options: { salt?: Buffer; iterations?: number } = {}): string {
  if (!/^[\x21-\x7e]{1,1024}$/.test(password)) {
    throw new Error('a SCRAM verifier is computed here only for passwords of printable ASCII without spaces');
  }
  const salt = options.salt ?? randomBytes(16);
  const iterations = options.iterations ?? 4096;
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
