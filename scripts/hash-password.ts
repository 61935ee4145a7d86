/**
 * Prints the scrypt hash of a password for the topology file's passwordHash field.
 *   npm run -s hash-password -- <password>
 * Reads the password from standard input when none is given.
 */
import { hashPassword } from '../server/src/auth/passwords.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

const password = process.argv[2] ?? (await readStdin());
if (!password) {
  process.stderr.write('usage: npm run -s hash-password -- <password>\n');
  process.exit(2);
}
process.stdout.write(`${await hashPassword(password)}\n`);
