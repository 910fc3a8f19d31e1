/** The worker's driver cache: a driver is never closed under a call, and idle ones do not pile up. */
import { expect } from 'chai';
import { pino } from 'pino';
import type { PbxConnection } from '../../shared/accounts/pbx-settings.js';
import { DriverCache } from '../../worker/pbx/driver-cache.js';

const connection = (path: string): PbxConnection => ({
  kind: 'other',
  settings: { method: 'GET', url: `http://pbx.example/${path}`, body_type: 'json', success_status: [200, 299], timeout_ms: 1000 },
});

describe('driver cache', () => {
  let clock = 0;
  const cache = () => new DriverCache({ allowPrivateAddresses: false, idleMs: 1000, now: () => clock }, pino({ level: 'silent' }));

  it('when the settings change while a call holds the old driver, then the old one stays open until that call ends', async () => {
    const drivers = cache();
    const first = drivers.lease('a', 'other', 'r1', () => connection('one'));
    const second = drivers.lease('a', 'other', 'r2', () => connection('two'));
    expect(second.driver).to.not.equal(first.driver);
    expect(drivers.size).to.equal(2);
    first.release();
    expect(drivers.size).to.equal(1);
    second.release();
    await drivers.closeAll();
  });

  it('when the same revision is asked again, then the same driver is lent, and a release counts once', async () => {
    const drivers = cache();
    const one = drivers.lease('a', 'other', 'r1', () => connection('one'));
    const two = drivers.lease('a', 'other', 'r1', () => connection('one'));
    expect(two.driver).to.equal(one.driver);
    one.release();
    one.release();
    // Still lent to the second call: replacing the revision keeps it open.
    drivers.lease('a', 'other', 'r2', () => connection('two')).release();
    expect(drivers.size).to.equal(2);
    two.release();
    expect(drivers.size).to.equal(1);
    await drivers.closeAll();
  });

  it('when a driver has been idle past idleMs, then the next lease closes it; a driver in use is kept', async () => {
    const drivers = cache();
    clock = 0;
    drivers.lease('idle', 'other', 'r1', () => connection('idle')).release();
    const busy = drivers.lease('busy', 'other', 'r1', () => connection('busy'));
    clock = 5000;
    drivers.lease('other', 'other', 'r1', () => connection('other')).release();
    expect(drivers.size).to.equal(2);
    busy.release();
    await drivers.closeAll();
  });
});
