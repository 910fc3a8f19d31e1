import type { StatusDocument } from '../../shared/status/status-document.js';
import type { StatusChange } from '../../shared/status/status-store.js';
import { eventId, eventsOfChange } from '../../shared/webhooks/webhook-event.js';
import type { WebhookJob, WebhookTarget } from '../../shared/webhooks/webhook-job.js';
import type { WebhookConfig } from '../../shared/webhooks/webhook-store.js';

export interface PlannedDelivery {
  job: WebhookJob;
  url: string;
}

/**
 * Pure: the deliveries one announced status change calls for, events in document order, each to
 * every subscription of the account that wants it and to the request's own `status_callback`.
 * Delivery ids derive from the event and the receiver, so planning the same change twice plans the
 * same deliveries, and each names the delivery of the call's previous event to the same receiver
 * (which may be in an earlier change) so that the worker keeps them in order.
 */
export function planDeliveries(change: StatusChange, from: number, accountId: string, doc: StatusDocument, config: WebhookConfig): PlannedDelivery[] {
  const events = eventsOfChange(doc, from, change.state);
  const callback = doc.request.request_data.status_callback;
  const receivers: { suffix: string; target: WebhookTarget; url: string }[] = config.subscriptions
    .filter((subscription) => subscription.events.includes('state_changed'))
    .map((subscription) => ({ suffix: subscription.id, target: { kind: 'subscription', subscription_id: subscription.id }, url: subscription.url }));
  if (typeof callback === 'string') receivers.push({ suffix: 'cb', target: { kind: 'status_callback', url: callback }, url: callback });
  const planned: PlannedDelivery[] = [];
  events.forEach((event, offset) => {
    const index = from + offset;
    for (const { suffix, target, url } of receivers) {
      const after = index === 0 ? {} : { after: `${eventId(doc.request_id, index - 1)}_${suffix}` };
      planned.push({ job: { delivery_id: `${event.id}_${suffix}`, account_id: accountId, target, event, ...after }, url });
    }
  });
  return planned;
}
