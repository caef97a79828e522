import { readFileSync } from 'node:fs';
import { HsmError } from './errors.js';

/**
 * An RFC 7512 PKCS#11 URI, the subset that names a signing key:
 *
 *   pkcs11:token=sigstack;object=rekor;id=%01%02?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/etc/sigstack/pin
 *
 * Path attributes (';'-separated): token, manufacturer, serial, model, slot-id (which
 * token), object, id, type (which key; type must be `private` if given). Query
 * attributes ('&'- or, as cosign takes them, ';'-separated): module-path, pin-value, pin-source. pin-source is a
 * file (`file:/path` or a bare path, RFC 7512 §2.3) or, our extension, `env:NAME`.
 * Unknown standard attributes are refused rather than ignored (a typo would otherwise
 * widen the match); vendor attributes (`x-...`) are ignored as the RFC allows.
 */
export interface Pkcs11Uri {
  token?: string;
  manufacturer?: string;
  serial?: string;
  model?: string;
  slotId?: number;
  /** CKA_LABEL of the key. */
  object?: string;
  /** CKA_ID of the key, as bytes. */
  id?: Buffer;
  modulePath?: string;
  pinValue?: string;
  pinSource?: string;
}

const PATH_ATTRS = new Set(['token', 'manufacturer', 'serial', 'model', 'slot-id', 'object', 'id', 'type', 'library-manufacturer', 'library-description', 'library-version', 'slot-manufacturer', 'slot-description']);
const QUERY_ATTRS = new Set(['module-path', 'module-name', 'pin-value', 'pin-source']);

export function isPkcs11Uri(s: string): boolean {
  return s.slice(0, 7).toLowerCase() === 'pkcs11:';
}

/** Parses a pkcs11: URI; throws HsmError INVALID_URI naming the problem. */
export function parsePkcs11Uri(uri: string): Pkcs11Uri {
  if (!isPkcs11Uri(uri)) throw new HsmError('INVALID_URI', 'a PKCS#11 URI starts with "pkcs11:"');
  const rest = uri.slice(7);
  const q = rest.indexOf('?');
  const path = q < 0 ? rest : rest.slice(0, q);
  const query = q < 0 ? '' : rest.slice(q + 1);
  const out: Pkcs11Uri = {};
  const seen = new Set<string>();
  const attrs = (s: string, sep: string | RegExp, allowed: Set<string>, where: string) => {
    if (s === '') return [];
    return s.split(sep).map((pair) => {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new HsmError('INVALID_URI', `PKCS#11 URI ${where} attribute "${pair}" has no name=value form`);
      const name = pair.slice(0, eq).toLowerCase();
      if (seen.has(name)) throw new HsmError('INVALID_URI', `PKCS#11 URI attribute "${name}" appears twice`);
      seen.add(name);
      if (!allowed.has(name) && !name.startsWith('x-')) throw new HsmError('INVALID_URI', `unknown PKCS#11 URI ${where} attribute "${name}"`);
      return [name, pctDecode(pair.slice(eq + 1), name)] as const;
    });
  };
  for (const [name, value] of attrs(path, ';', PATH_ATTRS, 'path')) {
    const text = () => value.toString('utf8');
    switch (name) {
      case 'token': out.token = text(); break;
      case 'manufacturer': out.manufacturer = text(); break;
      case 'serial': out.serial = text(); break;
      case 'model': out.model = text(); break;
      case 'object': out.object = text(); break;
      case 'id': out.id = value; break;
      case 'slot-id':
        if (!/^\d+$/.test(text())) throw new HsmError('INVALID_URI', `PKCS#11 URI slot-id "${text()}" is not a number`);
        out.slotId = Number(text());
        break;
      case 'type':
        if (text() !== 'private') throw new HsmError('INVALID_URI', `PKCS#11 URI type=${text()}: a signing key is type=private`);
        break;
      default: // library-*, slot-* descriptions and x- attributes do not narrow our search
    }
  }
  // ';' separates query attributes too, as cosign reads them (RFC 7512 has it %-escaped in values).
  for (const [name, value] of attrs(query, /[&;]/, QUERY_ATTRS, 'query')) {
    const text = value.toString('utf8');
    if (name === 'module-path') out.modulePath = text;
    else if (name === 'pin-value') out.pinValue = text;
    else if (name === 'pin-source') out.pinSource = text;
    else if (name === 'module-name') throw new HsmError('INVALID_URI', 'PKCS#11 URI module-name is not supported: give module-path');
  }
  if (out.object === undefined && out.id === undefined) throw new HsmError('INVALID_URI', 'the PKCS#11 URI names no key: give object= (its label) or id=');
  return out;
}

function pctDecode(s: string, name: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '%') {
      const h = s.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(h)) throw new HsmError('INVALID_URI', `PKCS#11 URI attribute "${name}" has a bad %-escape`);
      bytes.push(parseInt(h, 16));
      i += 2;
    } else bytes.push(...Buffer.from(s[i]!, 'utf8'));
  }
  return Buffer.from(bytes);
}

/** Percent-encodes an attribute value for a URI we print (`hsm generate`). */
export function pctEncode(value: string | Buffer): string {
  const b = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  let out = '';
  for (const c of b) out += /[A-Za-z0-9._~-]/.test(String.fromCharCode(c)) && typeof value === 'string' ? String.fromCharCode(c) : '%' + c.toString(16).padStart(2, '0');
  return out;
}

/** The URI without its PIN value, for logs and error messages. */
export function redactPkcs11Uri(uri: string): string {
  return uri.replace(/([?&;]pin-value=)[^&;]*/gi, '$1***');
}

/** Environment variable read for the PIN when the URI names none. */
export const PIN_ENV = 'SIGSTACK_PKCS11_PIN';
/** Environment variable read for the module when the URI has no module-path. */
export const MODULE_ENV = 'SIGSTACK_PKCS11_MODULE';

/** The user PIN the URI names (pin-value, pin-source) or, failing that, $SIGSTACK_PKCS11_PIN. */
export function resolvePin(u: Pkcs11Uri, env: NodeJS.ProcessEnv = process.env): string {
  if (u.pinValue !== undefined) return u.pinValue;
  if (u.pinSource !== undefined) {
    if (u.pinSource.startsWith('env:')) {
      const v = env[u.pinSource.slice(4)];
      if (v === undefined) throw new HsmError('PIN_MISSING', `pin-source ${u.pinSource}: the variable is not set`);
      return v;
    }
    const file = u.pinSource.startsWith('file:') ? decodeURIComponent(u.pinSource.slice(5).replace(/^\/\/(localhost)?(?=\/)/, '')) : u.pinSource;
    try {
      // A trailing newline (echo 1234 > pin) is not part of the PIN.
      return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (cause) {
      throw new HsmError('PIN_MISSING', `pin-source ${file}: ${(cause as Error).message}`, { cause });
    }
  }
  const v = env[PIN_ENV];
  if (v === undefined) throw new HsmError('PIN_MISSING', `no PIN: give pin-source=file:... in the URI or set ${PIN_ENV}`);
  return v;
}

export function resolveModulePath(u: Pkcs11Uri, env: NodeJS.ProcessEnv = process.env): string {
  const p = u.modulePath ?? env[MODULE_ENV];
  if (!p) throw new HsmError('MODULE_UNAVAILABLE', `no PKCS#11 module: give module-path=... in the URI or set ${MODULE_ENV}`);
  return p;
}
