import { ClientError } from '../errors.js';

/**
 * Image names and globs as policy-controller matches them (pkg/apis/glob, over
 * go-containerregistry's `name.ParseReference(ref, name.WeakValidation)`):
 *
 * - a reference is normalised before matching: no registry means Docker Hub, written
 *   `index.docker.io` (`docker.io` becomes `index.docker.io` too); a Docker Hub name with
 *   no `/` is an official image under `library/`; no tag and no digest means `:latest`.
 *   A reference with a digest is named `registry/repo@digest` (a tag next to it is dropped).
 * - in a glob, `*` matches any run of characters except `/` (so it also eats `:tag` and
 *   `@sha256:…`), `**` matches anything including `/`, `.` is literal, and the whole name
 *   must match. The glob `*` alone stands for `index.docker.io/library/*`, and
 *   "star slash star" alone for `index.docker.io/` followed by it (Docker Hub only).
 * - upstream also tries the glob against the reference exactly as written when the
 *   normalised name does not match (a deprecated fallback); we keep it, because for a
 *   gate where every matching policy must pass, matching more can only deny more.
 */

/** The registry go-containerregistry names Docker Hub with. */
export const DOCKER_HUB_REGISTRY = 'index.docker.io';

/** The Docker Hub repository of official images ("busybox" is "library/busybox"). */
const DOCKER_HUB_LIBRARY = 'library/';

// Lengths from the distribution spec and go-containerregistry: a name is at most 255
// characters, a tag 128.
const MAX_REFERENCE_LENGTH = 4096;
const MAX_REPOSITORY_LENGTH = 255;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const REPOSITORY = /^[a-z0-9_./-]+$/;
const REGISTRY = /^[A-Za-z0-9.-]+(?::[0-9]+)?$|^\[[0-9A-Fa-f:.]+\](?::[0-9]+)?$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** A parsed image reference, normalised as go-containerregistry does. */
export interface ImageName {
  /** `index.docker.io` for Docker Hub. */
  registry: string;
  /** `library/busybox` for an official Docker Hub image. */
  repository: string;
  /** The tag, `latest` when neither tag nor digest was given; absent with a digest. */
  tag?: string;
  /** `sha256:<hex>` when the reference has one. */
  digest?: string;
  /** The full name policies match: `registry/repository:tag` or `registry/repository@digest`. */
  name: string;
}

/** Parses and normalises an image reference; a reference we cannot read is REFERENCE_INVALID. */
export function toImageName(reference: string): ImageName {
  const invalid = (why: string): ClientError => new ClientError('REFERENCE_INVALID', `image reference "${printable(reference)}": ${why}`);
  if (reference.length === 0) throw invalid('empty');
  if (reference.length > MAX_REFERENCE_LENGTH) throw invalid(`longer than ${MAX_REFERENCE_LENGTH} characters`);
  let rest = reference;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw invalid('the digest must be sha256: and 64 lowercase hex digits');
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon >= 0 && !rest.slice(colon + 1).includes('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(`"${printable(tag)}" is not a valid tag`);
  }
  let registry = DOCKER_HUB_REGISTRY;
  let repository = rest;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      registry = first;
      repository = rest.slice(slash + 1);
      if (!REGISTRY.test(registry)) throw invalid(`"${printable(registry)}" is not a valid registry`);
    }
  }
  if (registry === 'docker.io') registry = DOCKER_HUB_REGISTRY;
  if (registry === DOCKER_HUB_REGISTRY && !repository.includes('/')) repository = DOCKER_HUB_LIBRARY + repository;
  if (repository.length === 0 || repository.length > MAX_REPOSITORY_LENGTH || !REPOSITORY.test(repository)) {
    throw invalid('the repository must be 1 to 255 characters of a-z, 0-9, "_", "-", "." and "/"');
  }
  if (digest !== undefined) return { registry, repository, digest, name: `${registry}/${repository}@${digest}` };
  const t = tag ?? 'latest';
  return { registry, repository, tag: t, name: `${registry}/${repository}:${t}` };
}

/** The characters policy-controller allows in a glob. */
const GLOB_CHARACTERS = /^[A-Za-z0-9_:/*.@-]+$/;
const MAX_GLOB_LENGTH = 1024;

/**
 * Compiles a policy glob into an anchored regular expression; a glob outside
 * policy-controller's alphabet throws a plain Error whose message the parser puts after
 * the field name.
 */
export function compileImageGlob(glob: string): RegExp {
  let g = glob;
  if (g === '*/*') g = `${DOCKER_HUB_REGISTRY}/*/*`;
  if (g === '*') g = `${DOCKER_HUB_REGISTRY}/library/*`;
  if (g.length > MAX_GLOB_LENGTH) throw new Error(`longer than ${MAX_GLOB_LENGTH} characters`);
  if (!GLOB_CHARACTERS.test(g)) throw new Error(`"${printable(glob)}" may only hold letters, digits and - _ : / * . @`);
  let source = '';
  for (let i = 0; i < g.length; i++) {
    const c = g[i];
    if (c === '*') {
      if (g[i + 1] === '*') {
        source += '.*';
        i++;
      } else {
        source += '[^/]*';
      }
    } else if (c === '.') {
      source += '\\.';
    } else {
      source += c;
    }
  }
  return new RegExp(`^${source}$`);
}

/**
 * Whether the glob matches the image: against the normalised name, against
 * `registry/repository@digest` when a digest is known (the image is admitted by digest,
 * policy-controller resolves tags to digests before it matches), and against the
 * reference as written (upstream's deprecated fallback).
 */
export function imageMatchesGlob(glob: string | RegExp, image: string, digest?: string): boolean {
  const re = typeof glob === 'string' ? compileImageGlob(glob) : glob;
  const parsed = toImageName(image);
  const candidates = [parsed.name, image];
  if (digest !== undefined) candidates.push(`${parsed.registry}/${parsed.repository}@${digest}`);
  return candidates.some((c) => re.test(c));
}

/** Control characters and overlong input are not echoed into messages as they are. */
export function printable(s: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const clean = s.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
