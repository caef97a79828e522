// The operator dashboard (deploy/grafana/sigstack.json) and alert rules
// (deploy/prometheus/alerts.yml) query only what really exists: after a request to every
// route they name, each metric in their PromQL is on a live stack's /metrics (or on
// `sigstack monitor`'s, for the monitor's metrics), and each route label value they
// match is one the stack reports.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { createMonitorMetrics } from '../packages/monitor/src/index.js';
import { startTestStack } from './lib/test-stack.js';
import { hashedrekordEntry, hashedRekordV002Request, newSigningKey } from './lib/hashedrekord-entry.js';
import { postEntry } from './lib/rekor-api.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Series Prometheus writes itself for every target (never on /metrics). */
const PROMETHEUS_SYNTHETIC = new Set(['up']);
const PROMQL_KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);

/** The metric names a PromQL expression selects. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const names = new Set<string>();
  for (const m of bare.matchAll(/(?<![\w:$.])([A-Za-z_:][\w:]*)\b(?!\s*\()/g)) if (!PROMQL_KEYWORDS.has(m[1]!)) names.add(m[1]!);
  return [...names];
}

/** The route label values an expression matches (route="x", route=~"a|b"). */
function routeValues(expr: string): string[] {
  const out: string[] = [];
  for (const m of expr.matchAll(/\broute(=~|=)"([^"]*)"/g)) out.push(...(m[1] === '=~' ? m[2]!.split('|') : [m[2]!]));
  return out;
}

const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/sigstack.json'), 'utf8')) as { panels: { targets?: { expr: string }[] }[] };
const rules = parseYaml(readFileSync(join(ROOT, 'deploy/prometheus/alerts.yml'), 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
const exprs = [
  ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((x) => ({ where: 'dashboard', expr: x.expr }))),
  ...rules.groups.flatMap((g) => g.rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr }))),
];

t.test('the queries parse into metric names (the check below is not vacuous)', async (t) => {
  t.ok(exprs.length >= 20, `${exprs.length} queries`);
  t.same(metricNames('histogram_quantile(0.99, sum by (le, route) (rate(x_bucket{a="b(c)"}[5m]))) > 1 and time() - y'), ['x_bucket', 'y']);
  t.same(routeValues('a{route=~"/p|/q",status="200"} + b{route="/r"}'), ['/p', '/q', '/r']);
});

t.test('every metric and route in the dashboard and the alert rules exists', async (t) => {
  const stack = await startTestStack(t);
  const key = newSigningKey();
  // One request to every route the queries name, so its counters and label values appear.
  t.equal((await postEntry(stack.url, hashedrekordEntry(key).entry)).status, 201);
  const v2 = await fetch(`${stack.url}/api/v2/log/entries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(hashedRekordV002Request(key)) });
  t.equal(v2.status, 201);
  for (const path of ['/ct/v1/add-chain', '/ct/v1/add-pre-chain', '/api/v1/signingCert', '/api/v2/signingCert']) {
    const r = await fetch(`${stack.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    t.ok(r.status >= 400 && r.status < 500, `${path} refuses an empty request (${r.status})`);
  }
  const ts = await fetch(`${stack.url}/api/v1/timestamp`, { method: 'POST', headers: { 'content-type': 'application/timestamp-query' }, body: 'x' });
  t.equal(ts.status, 400);
  await fetch(`${stack.url}/api/v1/log`);
  const stackText = await (await fetch(`${stack.url}/metrics`)).text();
  const monitorText = await createMonitorMetrics({ defaultMetrics: true }).registry.metrics();
  const exported = new Set([...`${stackText}\n${monitorText}`.matchAll(/^([A-Za-z_:][\w:]*)(?:\{| )/gm)].map((m) => m[1]!));
  const routes = new Set([...stackText.matchAll(/\broute="([^"]*)"/g)].map((m) => m[1]!));
  for (const { where, expr } of exprs) {
    const names = metricNames(expr);
    t.ok(names.length > 0, `${where}: ${expr} selects a metric`);
    for (const n of names) t.ok(PROMETHEUS_SYNTHETIC.has(n) || exported.has(n), `${where}: ${n} is exported`);
    for (const r of routeValues(expr)) t.ok(routes.has(r), `${where}: route ${r} is one the stack reports`);
  }
});
