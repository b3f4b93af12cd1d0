import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IAlarmAction, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { type FunctionUrl, FunctionUrlAuthType, type IFunction, InvokeMode } from 'aws-cdk-lib/aws-lambda';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { BurnrateFunction } from './burnrate-function.ts';

export interface GuardFunctionProps {
  table: ITable;
  stage: string;
  /** Reserved concurrency; undefined reserves none (accounts whose Lambda quota is still 10). */
  reservedConcurrency: number | undefined;
}

/** `burnrate/guard-signing-key`; another stage in the same account gets its own (`…-<stage>`). */
export const guardSigningKeySecretName = (stage: string) =>
  stage === 'prod' ? 'burnrate/guard-signing-key' : `burnrate/guard-signing-key-${stage}`;

/**
 * The guard's approval page: a small function behind a Lambda Function URL with AuthType NONE (the
 * signed, single-use link is the authorization; GET never acts), its own role, reserved
 * concurrency so a flood of requests can neither starve the sync nor scale without bound, and the
 * HMAC key as a secret the stack generates (never in a template, a log or the table).
 */
export class GuardFunction extends Construct {
  readonly fn: IFunction;
  readonly url: FunctionUrl;
  readonly signingKey: Secret;
  readonly signingKeySecretName: string;

  constructor(scope: Construct, id: string, props: GuardFunctionProps) {
    super(scope, id);
    this.signingKeySecretName = guardSigningKeySecretName(props.stage);
    this.signingKey = new Secret(this, 'SigningKey', {
      secretName: this.signingKeySecretName,
      description: 'burnrate: HMAC-SHA256 key of the guard approval links',
      // 64 letters and digits (~380 bits): an ordinary string, so no encoding question when read.
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
    });
    const fn = new BurnrateFunction(this, 'Handler', {
      entry: 'functions/lambda/guard.ts',
      description: 'burnrate: the guard approval page (freeze / undo links)',
      timeout: Duration.seconds(30),
      reservedConcurrentExecutions: props.reservedConcurrency,
      environment: {
        BURNRATE_TABLE: props.table.tableName,
        BURNRATE_GUARD_KEY_SECRET: this.signingKeySecretName,
        BURNRATE_STAGE: props.stage,
      },
    }).fn;
    // Least privilege, all of it: the signing key; the admin keys (the freeze calls the provider);
    // the table, item-level only (used links, the account's items, the guard's audit items).
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [this.signingKey.secretArn],
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [
          Stack.of(this).formatArn({
            service: 'secretsmanager',
            resource: 'secret',
            resourceName: 'burnrate/*',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: [
          'dynamodb:GetItem',
          'dynamodb:Query',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:ConditionCheckItem',
        ],
        resources: [props.table.tableArn],
      }),
    );
    this.url = fn.addFunctionUrl({ authType: FunctionUrlAuthType.NONE, invokeMode: InvokeMode.BUFFERED });
    this.fn = fn;
  }

  /** The page answered 5xx (it failed, or could not act): errors it caught still reach the operator. */
  alarmOnServerErrors(action: IAlarmAction): Alarm {
    const alarm = new Alarm(this, 'Url5xx', {
      metric: this.fn.metric('Url5xxCount', { period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription:
        'burnrate: the guard approval page answered 5xx (a freeze or undo could not finish). Check the guard function log for "guard page failed".',
    });
    alarm.addAlarmAction(action);
    return alarm;
  }
}
