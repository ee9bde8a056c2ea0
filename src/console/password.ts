// Password hashes for server.auth.users: scrypt (node:crypto), stored as
// `scrypt$N$r$p$<salt base64>$<hash base64>`; `syncwatch hash-password` prints one.
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { PASSWORD_HASH_PATTERN } from '../fields/fields.ts';

export { PASSWORD_HASH_PATTERN };

const scrypt = (password: string, salt: Buffer, len: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scryptCb(password, salt, len, options, (e, key) => (e ? reject(e) : resolve(key))));

const PARAMS = { N: 16384, r: 8, p: 1 };

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, 32, PARAMS);
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = PASSWORD_HASH_PATTERN.exec(stored);
  if (!m) return false;
  const wanted = Buffer.from(m[5]!, 'base64');
  const key = await scrypt(password, Buffer.from(m[4]!, 'base64'), wanted.length, {
    N: Number(m[1]),
    r: Number(m[2]),
    p: Number(m[3]),
    maxmem: 256 * 1024 * 1024,
  });
  return key.length === wanted.length && timingSafeEqual(key, wanted);
}
