import { type Stack, Token, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The cdk-nag AwsSolutions findings we accept, each with its reason. Everything else must pass.
 * Kept in one place so a reviewer sees every exception at once.
 */
const REASONS: Array<[RegExp, string, string]> = [
  [
    /\/(Dispatch|SyncAccount|Upkeep|Guard\/Handler)\/Role\/DefaultPolicy\/Resource$/,
    'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
    'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions, so AWS requires Resource "*".',
  ],
  [
    /\/ConfigEdit\/Handler\/Role\/DefaultPolicy\/Resource$/,
    'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
    'X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) and dynamodb:ListStreams, which the stream event source mapping grants: none of them supports resource-level permissions, so AWS requires Resource "*". Reading the records is scoped to the table stream.',
  ],
  [
    /\/(SyncAccount|Upkeep|Guard\/Handler)\/Role\/DefaultPolicy\/Resource$/,
    'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<REGION>:<ACCOUNT>:secret:burnrate/*]',
    'Admin keys are one secret per account, named burnrate/<account id>; accounts are added at run time, so the burnrate/ prefix is the narrowest scope there is (the guard function reads them to set the provider limit a freeze needs).',
  ],
  [
    /\/(Dispatch|SyncAccount|Upkeep|Guard\/Handler|ConfigEdit\/Handler)\/Function\/Resource$/,
    'AwsSolutions::AwsSolutions-L1',
    'nodejs22.x (Node 22 LTS) is the deploy target fixed for this project; move to a newer runtime deliberately, with the test suite run on it.',
  ],
  [
    /\/ConfigEdit\/DeadLetters\/Resource$/,
    'AwsSolutions::AwsSolutions-SQS3',
    'This queue IS a dead-letter queue: the on-failure destination of the config-edit stream mapping (cdk-nag only recognises queues named in the redrive policy of another queue). It holds stream positions of edits that could not be checked, alarmed to the operator.',
  ],
  [
    /\/Guard\/SigningKey\/Resource$/,
    'AwsSolutions::AwsSolutions-SMG4',
    'The guard link signing key is rotated by hand (aws secretsmanager put-secret-value with a new random value): rotating it invalidates every outstanding approval link (they live 24 hours), so a schedule would break links mid-incident; nothing else uses it.',
  ],
  [
    /\/SchedulerRoleForTarget-[^/]+\/DefaultPolicy\/Resource$/,
    'AwsSolutions::AwsSolutions-IAM5[Resource::<DispatchFunction*.Arn>:*]',
    'The scheduler target role may invoke the dispatch function and its versions (lambda:InvokeFunction on <arn>:*), as CDK grants by default; nothing else.',
  ],
  [
    /\/SchedulerRoleForTarget-[^/]+\/DefaultPolicy\/Resource$/,
    'AwsSolutions::AwsSolutions-IAM5[Resource::<UpkeepFunction*.Arn>:*]',
    'The scheduler target role may invoke the upkeep function and its versions (lambda:InvokeFunction on <arn>:*), as CDK grants by default; nothing else.',
  ],
];

export function suppressDocumentedFindings(stack: Stack): void {
  const visit = (node: IConstruct) => {
    for (const [path, id, reason] of REASONS) {
      if (!path.test(node.node.path)) continue;
      // The scheduler finding names the function's logical id, which CDK derives: match it exactly.
      const resolvedId = id
        .replace('<DispatchFunction*.Arn>', `<${functionLogicalId(stack, ['Dispatch'])}.Arn>`)
        .replace('<UpkeepFunction*.Arn>', `<${functionLogicalId(stack, ['Upkeep', 'Upkeep'])}.Arn>`)
        .replace('<REGION>', Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region)
        .replace('<ACCOUNT>', Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account);
      Validations.of(node).acknowledge({ id: resolvedId, reason });
    }
    for (const child of node.node.children) visit(child);
  };
  visit(stack);
}

/** The logical id CDK derived for the function under `path` (e.g. Dispatch/Function). */
function functionLogicalId(stack: Stack, path: string[]): string {
  let node: IConstruct | undefined = stack;
  for (const id of [...path, 'Function']) node = node?.node.tryFindChild(id);
  const fn = node?.node.defaultChild;
  return fn ? stack.getLogicalId(fn as never) : `${path.join('')}Function`;
}
