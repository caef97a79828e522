import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ClientError } from '../errors.js';
import { DOCKER_HUB_API_HOST } from './image-reference.js';

export interface RegistryCredentials {
  username: string;
  password: string;
}

/** Where docker (and go-containerregistry's default keychain) keep credentials: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export function defaultDockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG ?? join(env.HOME ?? homedir(), '.docker'), 'config.json');
}

interface DockerAuthEntry {
  auth?: unknown;
  username?: unknown;
  password?: unknown;
}

/**
 * Reads the `auths` of a docker config.json: each key is a registry host (or a URL such
 * as Docker Hub's `https://index.docker.io/v1/`), each value carries `auth`
 * (base64 `user:password`) or `username`/`password`. A missing file means anonymous;
 * an unreadable one is an error naming it (a typo in credentials should not silently
 * become anonymous). Credential helpers (`credsStore`, `credHelpers`) are not run.
 */
export function readDockerConfig(path: string): Map<string, RegistryCredentials> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw new ClientError('REGISTRY_FAILED', `cannot read registry credentials ${path}: ${(e as Error).message}`, { cause: e });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ClientError('REGISTRY_FAILED', `registry credentials ${path} are not JSON`, { cause: e });
  }
  const out = new Map<string, RegistryCredentials>();
  const auths = (doc as { auths?: unknown } | null)?.auths;
  if (typeof auths !== 'object' || auths === null) return out;
  for (const [key, value] of Object.entries(auths as Record<string, DockerAuthEntry>)) {
    if (typeof value !== 'object' || value === null) continue;
    let creds: RegistryCredentials | undefined;
    if (typeof value.auth === 'string' && value.auth.length > 0) {
      const decoded = Buffer.from(value.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) throw new ClientError('REGISTRY_FAILED', `registry credentials ${path}: the auth of ${key} is not base64 user:password`);
      creds = { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    } else if (typeof value.username === 'string' && typeof value.password === 'string') {
      creds = { username: value.username, password: value.password };
    }
    if (creds) out.set(normalizeAuthKey(key), creds);
  }
  return out;
}

/** `https://index.docker.io/v1/` → `index.docker.io`; `http://host:5000/x` → `host:5000`. */
function normalizeAuthKey(key: string): string {
  let k = key.replace(/^[a-z]+:\/\//i, '');
  const slash = k.indexOf('/');
  if (slash >= 0) k = k.slice(0, slash);
  k = k.toLowerCase();
  if (k === 'docker.io' || k === 'registry-1.docker.io') return DOCKER_HUB_API_HOST;
  return k;
}

/** The credentials for a registry API host, if config.json has some. */
export function credentialsFor(all: Map<string, RegistryCredentials>, registry: string): RegistryCredentials | undefined {
  return all.get(normalizeAuthKey(registry));
}

export interface AuthChallenge {
  scheme: 'bearer' | 'basic';
  params: Record<string, string>;
}

/**
 * Parses a `WWW-Authenticate` header (RFC 7235 auth-params, quoted or token values):
 * `Bearer realm="https://auth/token",service="registry",scope="repository:a/b:pull"`.
 * Returns undefined for a scheme we do not speak.
 */
export function parseAuthChallenge(header: string | null): AuthChallenge | undefined {
  if (!header) return undefined;
  const m = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const scheme = m[1]!.toLowerCase();
  if (scheme !== 'bearer' && scheme !== 'basic') return undefined;
  const params: Record<string, string> = {};
  const re = /\s*([A-Za-z][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?/gy;
  let p: RegExpExecArray | null;
  const rest = m[2]!;
  while (re.lastIndex < rest.length && (p = re.exec(rest)) !== null) {
    params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]!;
  }
  return { scheme, params };
}
