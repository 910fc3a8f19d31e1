/** The `c2c-admin agent-queue`, `findme` and `sms-gateway` commands map to the admin API. */
import { expect } from 'chai';
import { toCall } from '../../api/cli/c2c-admin.js';

describe('c2c-admin agent-queue and findme', () => {
  it('when each agent-queue command is given, then it names the matching admin call', () => {
    const queue = { name: 'Sales', pbx_queue: 'sales', agents: { ann: { number: '1001', interface: 'PJSIP/1001' } } };
    expect(toCall(['agent-queue', 'put', 'acct_1', 'sales', '--json', JSON.stringify(queue)])).to.deep.equal({ method: 'PUT', path: '/admin/v1/accounts/acct_1/agent-queues/sales', body: queue });
    expect(toCall(['agent-queue', 'get', 'acct_1', 'sales'])).to.deep.equal({ method: 'GET', path: '/admin/v1/accounts/acct_1/agent-queues/sales' });
    expect(toCall(['agent-queue', 'delete', 'acct_1', 'sales'])).to.deep.equal({ method: 'DELETE', path: '/admin/v1/accounts/acct_1/agent-queues/sales' });
    expect(toCall(['agent-queue', 'list', 'acct_1'])).to.deep.equal({ method: 'GET', path: '/admin/v1/accounts/acct_1/agent-queues' });
  });

  it('when each findme command is given, then it names the matching admin call, with ids escaped for the path', () => {
    const list = { name: 'Desk', numbers: ['1001'], strategy: 'ordered' };
    expect(toCall(['findme', 'put', 'acct_1', 'desk', '--json', JSON.stringify(list)])).to.deep.equal({ method: 'PUT', path: '/admin/v1/accounts/acct_1/findme/desk', body: list });
    expect(toCall(['findme', 'get', 'acct_1', 'a/b'])).to.deep.equal({ method: 'GET', path: '/admin/v1/accounts/acct_1/findme/a%2Fb' });
    expect(toCall(['findme', 'delete', 'acct_1', 'desk'])).to.deep.equal({ method: 'DELETE', path: '/admin/v1/accounts/acct_1/findme/desk' });
    expect(toCall(['findme', 'list', 'acct_1'])).to.deep.equal({ method: 'GET', path: '/admin/v1/accounts/acct_1/findme' });
  });

  it('when each sms-gateway command is given, then it names the matching admin call', () => {
    const gateway = { url: 'https://sms.example.com/send', body: '{"to":"{to}","text":"{text}"}' };
    expect(toCall(['sms-gateway', 'set', 'acct_1', '--json', JSON.stringify(gateway)])).to.deep.equal({ method: 'PUT', path: '/admin/v1/accounts/acct_1/sms-gateway', body: gateway });
    expect(toCall(['sms-gateway', 'get', 'acct_1'])).to.deep.equal({ method: 'GET', path: '/admin/v1/accounts/acct_1/sms-gateway' });
    expect(toCall(['sms-gateway', 'delete', 'acct_1'])).to.deep.equal({ method: 'DELETE', path: '/admin/v1/accounts/acct_1/sms-gateway' });
  });

  it('when the id or the settings are missing, then the usage or the way to give them is shown', () => {
    expect(() => toCall(['findme', 'get', 'acct_1'])).to.throw(/missing argument/);
    expect(() => toCall(['agent-queue', 'put', 'acct_1', 'sales'])).to.throw(/--json or --file/);
    expect(() => toCall(['agent-queue', 'rename', 'acct_1', 'sales'])).to.throw(/agent-queue put/);
  });
});
