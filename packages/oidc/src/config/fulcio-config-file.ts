import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { OidcError } from '../errors.js';

/**
 * Reads Fulcio's own configuration file (config.json, or the YAML form) as it is, for
 * `parseFulcioConfig`: an operator moves an existing Fulcio config across unchanged.
 */
export function readFulcioConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new OidcError('CONFIG_INVALID', `cannot read the Fulcio config ${path}: ${(cause as Error).message}`, { cause });
  }
  let v: unknown;
  try {
    v = parseYaml(text); // YAML is a superset of JSON
  } catch (cause) {
    throw new OidcError('CONFIG_INVALID', `the Fulcio config ${path} is not JSON or YAML: ${(cause as Error).message}`, { cause });
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new OidcError('CONFIG_INVALID', `the Fulcio config ${path} must be an object`);
  return v as Record<string, unknown>;
}
