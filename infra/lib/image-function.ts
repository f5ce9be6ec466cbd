import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { FUNCTION_ARCHITECTURE } from './function-images';

export interface ImageFunctionProps {
  readonly code: lambda.DockerImageCode;
  readonly description: string;
  readonly memorySizeMb: number;
  readonly timeout: Duration;
  readonly environment: Record<string, string>;
  readonly reservedConcurrency?: number;
  /** What the function may do besides writing its own logs and pulling its image. */
  readonly statements: readonly iam.PolicyStatement[];
}

/** Logs are kept a month: enough to investigate an incident, bounded in cost. */
export const LOG_RETENTION = logs.RetentionDays.ONE_MONTH;

/**
 * One container-image function with a role of its own: its log group (created here, so the role
 * needs no logs:CreateLogGroup and no wildcard), the statements it is given, and nothing else but
 * the SQS consume permissions CDK adds for an event source. The image is pulled by the Lambda
 * service, allowed by the repository's policy (the CDK bootstrap repository's, or the one
 * scripts/push-images.sh sets), not by this role.
 * https://docs.aws.amazon.com/lambda/latest/dg/images-create.html#gettingstarted-images-permissions
 */
export class ImageFunction extends Construct {
  readonly function: lambda.DockerImageFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ImageFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: LOG_RETENTION,
      // Logs are operational data, not the pipeline's: they go with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.description}`,
    });
    // The log group's ARN ends in ":*", which covers its log streams.
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    for (const statement of props.statements) this.role.addToPolicy(statement);

    this.function = new lambda.DockerImageFunction(this, 'Function', {
      code: props.code,
      description: props.description,
      architecture: FUNCTION_ARCHITECTURE,
      memorySize: props.memorySizeMb,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      environment: props.environment,
      ...(props.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrency } : {}),
    });
  }
}
