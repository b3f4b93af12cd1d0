import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app.ts';
import { ACCOUNT_METRIC_NAMES, METRIC_UNITS } from '../../shared/ports.ts';

const CONTEXT = { senderEmail: 'alerts@acme.example', operatorEmail: 'ops@acme.example' };
let off: Template;
let on: Template;

beforeAll(() => {
  off = Template.fromStack(buildApp(new App({ context: CONTEXT })).stateless);
  on = Template.fromStack(buildApp(new App({ context: { ...CONTEXT, accountMetrics: 'true' } })).stateless);
}, 240_000);

interface Widget {
  type: string;
  properties: {
    title?: string;
    markdown?: string;
    alarms?: string[];
    query?: string;
    metrics?: Array<Array<string | Record<string, unknown>> | [Record<string, unknown>]>;
  };
}

/** The dashboard's name and its body as JSON, each CloudFormation reference written as `{ref}`. */
function dashboard(t: Template): { name: string; widgets: Widget[] } {
  const [d] = Object.values(t.findResources('AWS::CloudWatch::Dashboard')) as Array<{
    Properties: { DashboardName: string; DashboardBody: string | { 'Fn::Join': [string, unknown[]] } };
  }>;
  if (!d) throw new Error('no dashboard');
  const body = d.Properties.DashboardBody;
  const text =
    typeof body === 'string'
      ? body
      : body['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : '{ref}')).join('');
  return { name: d.Properties.DashboardName, widgets: (JSON.parse(text) as { widgets: Widget[] }).widgets };
}

const titled = (widgets: Widget[], title: string) => {
  const found = widgets.filter((w) => w.properties.title === title);
  expect(found, title).toHaveLength(1);
  return found[0] as Widget;
};
/** [namespace, name, …dimension pairs, options] rows of a metric widget. */
const rows = (w: Widget) => (w.properties.metrics ?? []) as Array<Array<string | Record<string, unknown>>>;

describe('the operator dashboard burnrate-<stage>', () => {
  it('is named for the stage and its URL is a stack output', () => {
    expect(dashboard(off).name).toBe('burnrate-prod');
    const url = off.findOutputs('DashboardUrl').DashboardUrl?.Value as { 'Fn::Join': [string, unknown[]] };
    const text = url['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : '{region}')).join('');
    expect(text).toBe(
      'https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#dashboards/dashboard/burnrate-prod',
    );
  });

  it('another stage gets its own dashboard', () => {
    const staging = Template.fromStack(
      buildApp(new App({ context: { ...CONTEXT, stage: 'staging' } })).stateless,
    );
    expect(dashboard(staging).name).toBe('burnrate-staging');
  }, 120_000);

  it('has the sync health, alerts, upkeep, functions and queue widgets, from the metrics the code emits', () => {
    const { widgets } = dashboard(off);
    const emf = (title: string) =>
      rows(titled(widgets, title)).map((r) => {
        expect(r.slice(0, 1).concat(r.slice(2, 6))).toEqual([
          'burnrate',
          'service',
          'burnrate',
          'stage',
          'prod',
        ]);
        return `${r[1]} ${(r.at(-1) as { stat: string }).stat}`;
      });
    expect(emf('Accounts synced / failed')).toEqual(['AccountsSynced Sum', 'SyncFailed Sum']);
    expect(emf('Sync duration per account (ms)')).toEqual(['SyncDurationMs p50', 'SyncDurationMs p99']);
    expect(emf('Alert emails')).toEqual([
      'AlertsDelivered Sum',
      'AlertDeliveryFailed Sum',
      'AlertKeysUnreadable Sum',
      'DigestsSent Sum',
    ]);
    expect(emf('Chat messages (alerts topic)')).toEqual(['AlertsPublished Sum', 'AlertPublishFailed Sum']);
    expect(emf('Upkeep (hourly)')).toEqual([
      'UpkeepFailed Sum',
      'HardLimitsSet Sum',
      'HardLimitWriteFailed Sum',
    ]);
    const lambda = (title: string) => rows(titled(widgets, title)).map((r) => `${r[0]} ${r[1]}`);
    expect(lambda('Function errors')).toEqual(Array(5).fill('AWS/Lambda Errors'));
    expect(lambda('Function duration p99 (ms)')).toEqual(Array(5).fill('AWS/Lambda Duration'));
    expect(lambda('Sync queue and dead letters')).toEqual([
      'AWS/SQS ApproximateNumberOfMessagesVisible',
      'AWS/SQS ApproximateNumberOfMessagesVisible',
      'AWS/SQS ApproximateAgeOfOldestMessage',
    ]);
    expect(titled(widgets, 'Sync: recent errors and warnings').properties.query).toContain(
      'filter level in ["ERROR", "WARN"]',
    );
  });

  it('graphs every metric in METRIC_UNITS; the guard has its widget or a clear slot', () => {
    const { widgets } = dashboard(off);
    const graphed = new Set(
      widgets
        .flatMap((w) => rows(w))
        .filter((r) => r[0] === 'burnrate')
        .map((r) => r[1] as string),
    );
    expect([...graphed].sort()).toEqual(Object.keys(METRIC_UNITS).sort());
    const guard = Object.keys(METRIC_UNITS).filter((n) => n.startsWith('Guard'));
    if (guard.length > 0) expect(rows(titled(widgets, 'Guard actions')).map((r) => r[1])).toEqual(guard);
    else expect(widgets.some((w) => w.properties.markdown?.startsWith('### Guard actions'))).toBe(true);
  });

  it('shows the state of every alarm of the stack', () => {
    const alarms = Object.keys(off.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.length).toBeGreaterThanOrEqual(10);
    expect(titled(dashboard(off).widgets, 'Alarms').properties.alarms).toHaveLength(alarms.length);
  });
});

describe('per-account metrics (-c accountMetrics)', () => {
  const syncEnv = (t: Template) => {
    const fns = Object.values(t.findResources('AWS::Lambda::Function')) as Array<{
      Properties: { Description?: string; Environment?: { Variables: Record<string, unknown> } };
    }>;
    const sync = fns.find((f) => f.Properties.Description?.startsWith('burnrate: sync one account'));
    return sync?.Properties.Environment?.Variables ?? {};
  };

  it('off by default: the sync is told so, no SEARCH on the dashboard, a note says how to turn it on', () => {
    expect(syncEnv(off).BURNRATE_ACCOUNT_METRICS).toBe('false');
    const { widgets } = dashboard(off);
    expect(JSON.stringify(widgets)).not.toContain('SEARCH(');
    expect(widgets.some((w) => w.properties.markdown?.includes('-c accountMetrics=true'))).toBe(true);
  });

  it('on: the sync writes them, and one graph per metric searches over the account dimension', () => {
    expect(syncEnv(on).BURNRATE_ACCOUNT_METRICS).toBe('true');
    const { widgets } = dashboard(on);
    for (const name of ACCOUNT_METRIC_NAMES) {
      const [[expression]] = rows(titled(widgets, `${name} by account`)) as [[Record<string, unknown>]];
      expect(expression).toMatchObject({
        expression: `SEARCH('{burnrate,account,service,stage} MetricName="${name}" service="burnrate" stage="prod"', 'Average', 900)`,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudWatch's dynamic label, one line per account
        label: "${PROP('Dim.account')}",
      });
    }
    expect(widgets.some((w) => w.properties.markdown?.includes('-c accountMetrics=true'))).toBe(false);
  });

  it('anything but true or false fails synth, naming the setting', () => {
    expect(() => buildApp(new App({ context: { ...CONTEXT, accountMetrics: 'yes' } }))).toThrow(
      /accountMetrics: expected true or false, got yes/,
    );
  });
});
