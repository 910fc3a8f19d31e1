import { expect } from 'chai';
import type { PbxKind } from '../../shared/accounts/pbx-settings.js';
import { PbxConnectionCache, type LoadedPbx } from '../../worker/pbx/pbx-connection-cache.js';

/** The account store's side: what is stored now, and every read made of it. */
class StoredConnections {
  revision = 'r1';
  reads = 0;
  /** When set, reads wait for `release()`: a read under way while something else happens. */
  private gate: Promise<void> | undefined;
  private open: () => void = () => {};

  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.gate = undefined;
    this.open();
  }

  async loadPbx(_accountId: string, _kind: PbxKind): Promise<LoadedPbx | undefined> {
    this.reads += 1;
    const revision = this.revision;
    await this.gate;
    return revision === '' ? undefined : { revision, open: () => ({ kind: 'other', settings: {} }) as never };
  }
}

describe('the worker\'s PBX connection cache', () => {
  let stored: StoredConnections;
  let clock: number;
  let cache: PbxConnectionCache;

  beforeEach(() => {
    stored = new StoredConnections();
    clock = 1_000_000;
    cache = new PbxConnectionCache(stored, 5000, () => clock);
  });

  it('when calls follow each other, then the connection is read once and used until its time bound', async () => {
    expect((await cache.loadPbx('acct_a', 'other'))?.revision).to.equal('r1');
    clock += 4999;
    expect((await cache.loadPbx('acct_a', 'other'))?.revision).to.equal('r1');
    expect(stored.reads).to.equal(1);
    stored.revision = 'r2';
    clock += 1;
    expect((await cache.loadPbx('acct_a', 'other'))?.revision, 'read again at the bound').to.equal('r2');
    expect(stored.reads).to.equal(2);
  });

  it('when the account changes, then its next call reads the new connection, and other accounts keep theirs', async () => {
    await cache.loadPbx('acct_a', 'other');
    await cache.loadPbx('acct_b', 'other');
    stored.revision = 'r2';
    cache.forget('acct_a');
    expect((await cache.loadPbx('acct_a', 'other'))?.revision).to.equal('r2');
    expect((await cache.loadPbx('acct_b', 'other'))?.revision, 'acct_b was not announced').to.equal('r1');
    expect(stored.reads).to.equal(3);
  });

  it('when the account changes while its connection is being read, then what that read got is used once and not kept', async () => {
    stored.hold();
    const underWay = cache.loadPbx('acct_a', 'other');
    cache.forget('acct_a');
    stored.revision = 'r2';
    stored.release();
    expect((await underWay)?.revision).to.equal('r1');
    expect((await cache.loadPbx('acct_a', 'other'))?.revision).to.equal('r2');
    expect(stored.reads).to.equal(2);
  });

  it('when the subscription reconnected (a change may have been missed), then every connection is read again', async () => {
    await cache.loadPbx('acct_a', 'other');
    await cache.loadPbx('acct_b', 'asterisk');
    stored.hold();
    const underWay = cache.loadPbx('acct_c', 'other');
    cache.clear();
    stored.release();
    await underWay;
    stored.revision = 'r2';
    for (const [account, kind] of [['acct_a', 'other'], ['acct_b', 'asterisk'], ['acct_c', 'other']] as const) {
      expect((await cache.loadPbx(account, kind))?.revision, account).to.equal('r2');
    }
  });

  it('when the account has no such connection, then nothing is remembered and the next call reads again', async () => {
    stored.revision = '';
    expect(await cache.loadPbx('acct_a', 'switchvox')).to.equal(undefined);
    stored.revision = 'r1';
    expect((await cache.loadPbx('acct_a', 'switchvox'))?.revision).to.equal('r1');
    expect(stored.reads).to.equal(2);
  });
});
