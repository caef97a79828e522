import { usage } from './cli-io.js';

/**
 * Flags as cosign (cobra/pflag) takes them, so a pipeline's command line works
 * unchanged: `--name value`, `--name=value`, booleans as `--name`, `--name=true` or
 * `--name=false` (node's parseArgs refuses the last two), one-letter aliases (`-y`),
 * repeated flags, and `--` to end the flags.
 */
export type FlagSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean; hidden?: boolean }>;

export interface ParsedFlags {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** Thrown by parseFlags for `--help` / `-h`: the verb's runner prints the flags and exits 0. */
export class HelpRequested extends Error {
  override name = 'HelpRequested';
  constructor(readonly spec: FlagSpec) {
    super('help');
  }
}

/** The flags of a verb, one per line, for --help. */
export function describeFlags(spec: FlagSpec): string {
  return Object.entries(spec)
    .filter(([, s]) => !s.hidden)
    .map(([name, s]) => `  ${s.short ? `-${s.short}, ` : '    '}--${name}${s.type === 'string' ? ' string' : ''}${s.multiple ? ' (repeatable)' : ''}`)
    .join('\n');
}

export function parseFlags(args: string[], spec: FlagSpec): ParsedFlags {
  if (args.includes('--help') || args.includes('-h')) throw new HelpRequested(spec);
  const values: ParsedFlags['values'] = {};
  const positionals: string[] = [];
  const shorts = new Map(Object.entries(spec).flatMap(([name, s]) => (s.short ? [[s.short, name] as const] : [])));
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    let name: string | undefined;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    } else if (arg.startsWith('-') && arg.length > 1) {
      const eq = arg.indexOf('=');
      const short = eq >= 0 ? arg.slice(1, eq) : arg.slice(1);
      name = shorts.get(short);
      inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
      if (!name) usage(`unknown shorthand flag: '${short}' in ${arg}`);
    } else {
      positionals.push(arg);
      continue;
    }
    const s = spec[name];
    if (!s) usage(`unknown flag: --${name}`);
    let value: string | boolean;
    if (s.type === 'boolean') {
      if (inline === undefined) value = true;
      else if (/^(true|1|t|TRUE|True)$/.test(inline)) value = true;
      else if (/^(false|0|f|FALSE|False)$/.test(inline)) value = false;
      else usage(`invalid argument "${inline}" for "--${name}" flag: not a boolean`);
    } else {
      if (inline !== undefined) value = inline;
      else {
        const next = args[i + 1];
        if (next === undefined) usage(`flag needs an argument: --${name}`);
        value = next;
        i++;
      }
    }
    if (s.multiple) ((values[name] ??= []) as string[]).push(value as string);
    else values[name] = value;
  }
  return { values, positionals };
}

export function str(p: ParsedFlags, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function bool(p: ParsedFlags, name: string, dflt: boolean): boolean {
  const v = p.values[name];
  return typeof v === 'boolean' ? v : dflt;
}

export function list(p: ParsedFlags, name: string): string[] {
  const v = p.values[name];
  return Array.isArray(v) ? v : [];
}
