import { ClientError } from '../errors.js';

/** Docker Hub as users write it, and the host its registry API answers on (go-containerregistry's DefaultRegistry). */
export const DOCKER_HUB = 'docker.io';
export const DOCKER_HUB_API_HOST = 'index.docker.io';

/**
 * An image reference, parsed as go-containerregistry's `name.ParseReference` does
 * (strict mode off): the registry is the first path segment when it looks like a host
 * (has a `.` or a `:`, or is `localhost`), Docker Hub otherwise (with `library/` for a
 * one-segment name); then `:tag` and/or `@sha256:<hex>`. With both, the digest wins, as
 * in go-containerregistry.
 */
export interface ImageReference {
  /** API host, e.g. `index.docker.io`, `127.0.0.1:5000`, `ghcr.io`. */
  registry: string;
  /** Repository path, e.g. `library/ubuntu`. */
  repository: string;
  tag?: string;
  digest?: string;
  /** `registry/repository`: what cosign puts in `docker-reference` and in-toto subject names. */
  name: string;
}

const REPOSITORY_CHARS = /^[a-z0-9_.\-/]+$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const MAX_REPOSITORY = 255;

/** Parses `ref`; throws ClientError('REFERENCE_INVALID') naming the part that is wrong. */
export function parseImageReference(ref: string): ImageReference {
  const bad = (why: string): never => {
    throw new ClientError('REFERENCE_INVALID', `image reference ${JSON.stringify(ref)}: ${why}`);
  };
  if (ref.length === 0 || ref.length > 4096) bad('empty or too long');
  if (/\s/.test(ref)) bad('contains whitespace');
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) bad(`digest ${JSON.stringify(digest)} is not sha256:<64 lowercase hex>`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) bad(`tag ${JSON.stringify(tag)} is not a valid tag`);
  }
  let registry = DOCKER_HUB;
  let repository = rest;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (/[.:]/.test(first) || first === 'localhost') {
      registry = first;
      repository = rest.slice(slash + 1);
    }
  }
  checkRegistry(registry, bad);
  if (registry === DOCKER_HUB || registry === DOCKER_HUB_API_HOST) {
    registry = DOCKER_HUB_API_HOST;
    if (repository.length > 0 && !repository.includes('/')) repository = `library/${repository}`;
  }
  if (repository.length === 0) bad('no repository');
  if (repository.length > MAX_REPOSITORY) bad(`repository longer than ${MAX_REPOSITORY} characters`);
  if (!REPOSITORY_CHARS.test(repository)) bad(`repository ${JSON.stringify(repository)} must be lowercase letters, digits and . _ - /`);
  if (repository.split('/').some((p) => p.length === 0)) bad(`repository ${JSON.stringify(repository)} has an empty path component`);
  if (digest !== undefined) tag = undefined;
  return { registry, repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}), name: `${registry}/${repository}` };
}

function checkRegistry(registry: string, bad: (why: string) => never): void {
  // go-containerregistry: url.Parse("//" + registry) must give back the same host.
  let host: string;
  try {
    host = new URL(`http://${registry}`).host;
  } catch {
    return bad(`registry ${JSON.stringify(registry)} is not a host[:port]`);
  }
  const defaultPortStripped = registry.replace(/:80$/, '');
  if (host !== registry.toLowerCase() && host !== defaultPortStripped.toLowerCase()) bad(`registry ${JSON.stringify(registry)} is not a host[:port]`);
}

/** `<registry>/<repository>@<digest>`. */
export function digestReference(ref: ImageReference, digest: string): string {
  return `${ref.name}@${digest}`;
}

/** The reference as a string (digest form when it has one). */
export function formatImageReference(ref: ImageReference): string {
  if (ref.digest) return `${ref.name}@${ref.digest}`;
  return `${ref.name}:${ref.tag ?? 'latest'}`;
}

/**
 * The scheme go-containerregistry uses by default: plain HTTP for loopback
 * (localhost, 127.0.0.0/8, ::1), HTTPS for everything else. (go-containerregistry also
 * speaks HTTP to RFC 1918 addresses; we do not: a private network is no reason to drop TLS.)
 */
export function registryScheme(registry: string): 'http' | 'https' {
  const host = registry.startsWith('[') ? registry.slice(0, registry.indexOf(']') + 1) : registry.replace(/:\d+$/, '');
  if (host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return 'http';
  return 'https';
}

/** cosign 2's tag for an artifact attached to `digest`: `sha256-<hex>.<suffix>`; with no suffix, the referrers fallback tag. */
export function digestTag(digest: string, suffix?: 'sig' | 'att' | 'sbom'): string {
  const tag = digest.replace(':', '-');
  return suffix ? `${tag}.${suffix}` : tag;
}
