import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { APP_USERNAME } from '../../shared/names.js';

/** Where SpendSense functions connect, as the application connection descriptor names it. */
export interface ApplicationEndpoint {
  readonly host: string;
  /** A number as a string, or the instance's `Endpoint.Port` attribute. */
  readonly port: string;
  /** What `rds-db:connect` names: `db-...` (the instance) or `prx-...` (RDS Proxy). */
  readonly resourceId: string;
  readonly kind: 'instance' | 'RDS Proxy';
}

export interface ApplicationAccessProps {
  /**
   * The resource id IAM authentication tokens are checked against: the instance's
   * `DbiResourceId` (`db-...`) when functions connect to it, RDS Proxy's (`prx-...`) when they
   * connect through the proxy.
   */
  readonly resourceId: string;
  /** What the id belongs to, for the policy's description. */
  readonly endpointKind: 'instance' | 'RDS Proxy';
}

/**
 * The managed policy every SpendSense function attaches to log in: `rds-db:connect` as
 * `spendsense_app` on the application endpoint, and nothing else. The stack exports it so
 * later Lambda stacks attach the same one.
 */
export class ApplicationAccess extends Construct {
  readonly policy: iam.ManagedPolicy;
  /** `arn:<partition>:rds-db:<region>:<account>:dbuser:<resource id>/spendsense_app` */
  readonly dbUserArn: string;

  constructor(scope: Construct, id: string, props: ApplicationAccessProps) {
    super(scope, id);
    this.dbUserArn = dbUserArn(this, props.resourceId, APP_USERNAME);
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: `SpendSense functions: log in to the database as ${APP_USERNAME} with IAM authentication (${props.endpointKind})`,
      statements: [
        new iam.PolicyStatement({
          sid: 'ConnectAsTheApplicationRole',
          actions: ['rds-db:connect'],
          resources: [this.dbUserArn],
        }),
      ],
    });
  }
}

/** The ARN IAM database authentication checks `rds-db:connect` against (RDS user guide). */
export function dbUserArn(scope: Construct, resourceId: string, user: string): string {
  return Stack.of(scope).formatArn({
    service: 'rds-db',
    resource: 'dbuser',
    resourceName: `${resourceId}/${user}`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}
