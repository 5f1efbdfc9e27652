import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { UserError } from '../util/errors.js';

const bool = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/**
 * Every setting, with its default. Environment variables win over the config
 * file (KIOSQUE_CONFIG, default ./kiosque.config.json when present), which wins
 * over the defaults. Validated once at start; a bad value stops start-up with a
 * one-line message naming the setting.
 */
export const ConfigSchema = z.object({
  dataDir: z.string().min(1).default('./data'),
  editionsDir: z.string().min(1).default('./editions'),
  mongodbUri: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://').optional(),
  mongodbDb: z.string().regex(/^[A-Za-z0-9_-]{1,63}$/).default('kiosque'),
  host: z.string().default('127.0.0.1'),
  port: int(0, 65535).default(3000),
  baseUrl: z.url().optional(),
  secret: z.string().min(32, 'must be at least 32 characters').optional(),
  smtpUrl: z.string().regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://').optional(),
  mailFrom: z.string().default('Kiosque <edition@kiosque.localhost>'),
  smtpRatePerSecond: z.coerce.number().positive().max(10000).default(50),
  smtpMaxBounces: int(1, 100).default(3),
  ingestCron: z.string().default('*/15 * * * *'),
  fetchAllowPrivate: bool.default(false),
  fetchTimeoutMs: int(1000, 300000).default(30000),
  fetchConnectTimeoutMs: int(500, 60000).default(10000),
  fetchMaxBytes: int(1024, 512 * 1024 * 1024).default(15 * 1024 * 1024),
  fetchConcurrency: int(1, 64).default(8),
  userAgent: z.string().min(1).default('Kiosque/0.1 (+https://github.com/kiosque; feed reader)'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  instanceId: z.string().min(1).default(`${hostname()}-${process.pid}`),
  workers: int(0, 64).default(0),
  /** Reverse proxies whose X-Forwarded-For is believed (comma-separated addresses or CIDRs); none by default. */
  trustProxy: z
    .string()
    .regex(/^[0-9a-fA-F:./,\s]*$/, 'must be a comma-separated list of IP addresses or CIDR ranges')
    .default(''),
});

export type Config = z.infer<typeof ConfigSchema> & {
  baseUrl: string;
  secret: string;
  dataDir: string;
  editionsDir: string;
};

/** Environment variable for each setting. */
export const ENV_NAMES: Record<keyof z.infer<typeof ConfigSchema>, string> = {
  dataDir: 'KIOSQUE_DATA_DIR',
  editionsDir: 'KIOSQUE_EDITIONS_DIR',
  mongodbUri: 'MONGODB_URI',
  mongodbDb: 'MONGODB_DB',
  host: 'KIOSQUE_HOST',
  port: 'KIOSQUE_PORT',
  baseUrl: 'KIOSQUE_BASE_URL',
  secret: 'KIOSQUE_SECRET',
  smtpUrl: 'SMTP_URL',
  mailFrom: 'KIOSQUE_MAIL_FROM',
  smtpRatePerSecond: 'SMTP_RATE',
  smtpMaxBounces: 'SMTP_MAX_BOUNCES',
  ingestCron: 'KIOSQUE_INGEST_CRON',
  fetchAllowPrivate: 'KIOSQUE_FETCH_ALLOW_PRIVATE',
  fetchTimeoutMs: 'KIOSQUE_FETCH_TIMEOUT_MS',
  fetchConnectTimeoutMs: 'KIOSQUE_FETCH_CONNECT_TIMEOUT_MS',
  fetchMaxBytes: 'KIOSQUE_FETCH_MAX_BYTES',
  fetchConcurrency: 'KIOSQUE_FETCH_CONCURRENCY',
  userAgent: 'KIOSQUE_USER_AGENT',
  logLevel: 'KIOSQUE_LOG_LEVEL',
  instanceId: 'KIOSQUE_INSTANCE_ID',
  workers: 'KIOSQUE_WORKERS',
  trustProxy: 'KIOSQUE_TRUST_PROXY',
};

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** Values that win over everything (CLI flags, tests). */
  overrides?: Partial<z.input<typeof ConfigSchema>>;
  cwd?: string;
  /** Create the data dir and the secret file when missing (default true). */
  prepare?: boolean;
}

export function loadConfig(opts: LoadConfigOptions = {}): Config {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const fileValues = readConfigFile(env.KIOSQUE_CONFIG, cwd);
  const envValues: Record<string, string> = {};
  for (const [key, name] of Object.entries(ENV_NAMES)) {
    const v = env[name];
    if (v !== undefined && v !== '') envValues[key] = v;
  }
  const raw = { ...fileValues, ...envValues, ...(opts.overrides ?? {}) };
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0] ?? '');
    const name = ENV_NAMES[key as keyof typeof ENV_NAMES] ?? key;
    throw new UserError(`invalid setting ${name} (${key}): ${issue.message}`);
  }
  const c = parsed.data;
  const dataDir = resolve(cwd, c.dataDir);
  const editionsDir = resolve(cwd, c.editionsDir);
  const baseUrl = (c.baseUrl ?? `http://localhost:${c.port}`).replace(/\/+$/, '');
  let secret = c.secret;
  if (opts.prepare !== false) {
    mkdirSync(dataDir, { recursive: true });
    if (!secret) secret = loadOrCreateSecret(dataDir);
  }
  return { ...c, dataDir, editionsDir, baseUrl, secret: secret ?? '' };
}

function readConfigFile(path: string | undefined, cwd: string): Record<string, unknown> {
  const file = resolve(cwd, path ?? 'kiosque.config.json');
  if (!existsSync(file)) {
    if (path) throw new UserError(`config file not found: ${file} (KIOSQUE_CONFIG)`);
    return {};
  }
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UserError(`config file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new UserError(`config file ${file} must hold a JSON object`);
  }
  const known = new Set(Object.keys(ENV_NAMES));
  for (const k of Object.keys(value)) {
    if (!known.has(k)) throw new UserError(`config file ${file}: unknown setting "${k}"`);
  }
  return value as Record<string, unknown>;
}

/** The signing secret lives in the data dir when not given, created once with mode 0600. */
function loadOrCreateSecret(dataDir: string): string {
  const file = join(dataDir, 'secret.key');
  if (existsSync(file)) {
    const s = readFileSync(file, 'utf8').trim();
    if (s.length >= 32) return s;
    throw new UserError(`secret file ${file} is too short; delete it to generate a new one`);
  }
  const s = randomBytes(32).toString('base64url');
  writeFileSync(file, s + '\n', { mode: 0o600, flag: 'wx' });
  return s;
}
