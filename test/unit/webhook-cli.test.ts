/** The `c2c-admin webhooks` commands map to the admin API. */
import { expect } from 'chai';
import { toCall } from '../../api/cli/c2c-admin.js';

describe('c2c-admin webhooks', () => {
  it('when each webhooks command is given, then it names the matching admin call', () => {
    const list = [{ url: 'https://crm.example.com/h', events: ['state_changed'] }];
    expect(toCall(['webhooks', 'set', 'acct_1', '--json', JSON.stringify(list)])).to.deep.equal({ method: 'PUT', path: '/admin/v1/accounts/acct_1/webhooks', body: list });
    expect(toCall(['webhooks', 'get', 'acct_1'])).to.deep.equal({ method: 'GET', path: '/admin/v1/accounts/acct_1/webhooks' });
    expect(toCall(['webhooks', 'hosts', 'acct_1', '--json', '{"hosts":["crm.example.com"]}'])).to.deep.equal({ method: 'PUT', path: '/admin/v1/accounts/acct_1/webhooks/callback-hosts', body: { hosts: ['crm.example.com'] } });
    expect(toCall(['webhooks', 'deliveries', 'acct_1', '--limit', '20'])).to.deep.equal({ method: 'GET', path: '/admin/v1/accounts/acct_1/webhooks/deliveries?limit=20' });
    expect(toCall(['webhooks', 'resend', 'acct_1', 'evt_x_3_sub_y'])).to.deep.equal({ method: 'POST', path: '/admin/v1/accounts/acct_1/webhooks/deliveries/evt_x_3_sub_y/resend' });
  });

  it('when the delivery id is missing, then the usage is shown', () => {
    expect(() => toCall(['webhooks', 'resend', 'acct_1'])).to.throw(/missing argument/);
  });
});
