import { randomBytes } from 'node:crypto';

/** The test run's Redis, started by scripts/test.sh (REDIS_URL); every test gets its own key prefix. */
export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export function freshPrefix(): string {
  return `t${randomBytes(6).toString('hex')}`;
}
