import type { Subscription } from '@aws-sdk/client-sns';
import { fail, pass, type Check } from '../finding.js';

/** What ListSubscriptionsByTopic reports for a subscription that is not confirmed yet. */
const PENDING = 'PendingConfirmation';

/**
 * OPS: an alarm that notifies nobody is no alarm. The alarm topic needs at least one confirmed
 * subscription (an email subscription stays `PendingConfirmation` until its link is clicked).
 * The registry makes this a warning in dev and a failure in prod.
 */
export const alarmSubscribersCheck: Check = {
  criterion: 'OPS',
  name: 'alarm subscribers',
  async run(context) {
    const topicArn = context.output('AlarmTopicArn');
    const subscriptions = await context.topicSubscriptions(topicArn);
    const confirmed = subscriptions.filter(isConfirmed);
    const pending = subscriptions.filter(
      (subscription) => subscription.SubscriptionArn === PENDING,
    );
    const waiting =
      pending.length === 0
        ? ''
        : `; ${pending.length} pending confirmation (${describe(pending)}): the link in AWS's email was not clicked`;
    if (confirmed.length > 0) {
      return pass(
        `${confirmed.length} confirmed (${describe(confirmed)}) on ${topicArn}${waiting}`,
      );
    }
    return fail(
      `no confirmed subscription on ${topicArn}${waiting}: alarms notify nobody`,
      `Add an address to the stage configuration (alarms.emailAddresses, or -c spendsense:${context.stage}:alarms.emailAddresses=ops@example.com) and deploy, or subscribe directly: \`aws sns subscribe --topic-arn ${topicArn} --protocol email --notification-endpoint ops@example.com\`; then confirm with the link AWS emails.`,
    );
  },
};

/** A confirmed subscription has an ARN; a pending one has the word `PendingConfirmation`. */
function isConfirmed(subscription: Subscription): boolean {
  return (subscription.SubscriptionArn ?? '').startsWith('arn:');
}

/** Protocols with their counts, `email ×2, sms ×1`: endpoints stay out of the output. */
function describe(subscriptions: readonly Subscription[]): string {
  const counts = new Map<string, number>();
  for (const { Protocol: protocol = 'unknown' } of subscriptions) {
    counts.set(protocol, (counts.get(protocol) ?? 0) + 1);
  }
  return [...counts].map(([protocol, count]) => `${protocol} ×${count}`).join(', ');
}
