/** Which deliveries a status change calls for: pure planning, stable ids, order kept per receiver. */
import { expect } from 'chai';
import { createQueued, markAccepted, markDispatching } from '../../shared/status/status-document.js';
import type { WebhookConfig } from '../../shared/webhooks/webhook-store.js';
import { planDeliveries } from '../../worker/webhooks/plan-deliveries.js';

const ID = '2c4f781a-4825-4d09-a573-2d8689e5682b';
const subscription = (id: string) => ({ id, url: `https://crm.example.com/${id}`, events: ['state_changed'], sealed: 'v1.x', hint: '…abcd', created_at: '' });

function docWith(requestData: Record<string, unknown>) {
  const queued = createQueued({ requestId: ID, serverId: 's', requestUrl: '/', httpMethod: 'GET', requestData }, 0);
  return markAccepted(markDispatching(queued, 'asterisk', {}, 1000), {}, 2000);
}

describe('planning webhook deliveries', () => {
  const config: WebhookConfig = { subscriptions: [subscription('sub_a'), subscription('sub_b')] };

  it('when a change added two events, then each subscription gets both, in order, each naming the previous one to the same receiver', () => {
    const planned = planDeliveries({ id: ID, v: 3, state: 'accepted' }, 1, 'acct_1', docWith({}), config);
    expect(planned.map((p) => [p.job.delivery_id, p.job.after, p.url])).to.deep.equal([
      [`evt_${ID}_1_sub_a`, `evt_${ID}_0_sub_a`, 'https://crm.example.com/sub_a'],
      [`evt_${ID}_1_sub_b`, `evt_${ID}_0_sub_b`, 'https://crm.example.com/sub_b'],
      [`evt_${ID}_2_sub_a`, `evt_${ID}_1_sub_a`, 'https://crm.example.com/sub_a'],
      [`evt_${ID}_2_sub_b`, `evt_${ID}_1_sub_b`, 'https://crm.example.com/sub_b'],
    ]);
    expect(planned[0]?.job.target).to.deep.equal({ kind: 'subscription', subscription_id: 'sub_a' });
  });

  it('when the request has a status_callback and the account no subscription, then only the callback gets the events, from queued on', () => {
    const planned = planDeliveries({ id: ID, v: 2, state: 'accepted' }, 0, 'acct_1', docWith({ status_callback: 'https://crm.example.com/cb?x=1' }), { subscriptions: [] });
    expect(planned.map((p) => p.job.delivery_id)).to.deep.equal([`evt_${ID}_0_cb`, `evt_${ID}_1_cb`, `evt_${ID}_2_cb`]);
    expect(planned[0]?.job).to.not.have.property('after');
    expect(planned[0]?.job.target).to.deep.equal({ kind: 'status_callback', url: 'https://crm.example.com/cb?x=1' });
  });

  it('when the same change is planned twice, then the plans are identical (so nothing is queued twice)', () => {
    const doc = docWith({ status_callback: 'https://crm.example.com/cb' });
    const change = { id: ID, v: 2, state: 'accepted' as const };
    expect(planDeliveries(change, 0, 'acct_1', doc, config)).to.deep.equal(planDeliveries(change, 0, 'acct_1', doc, config));
  });
});
