/** Where a call's keys live (SPEC §12): one hash tag per shard, the shard named by the account and request ids. */
import { expect } from 'chai';
import { randomId } from '../../shared/security/tokens.js';
import { Shards } from '../../shared/shards.js';

describe('shards', () => {
  it('when there is one shard on a single Redis, then the layout is the previous release\'s, unchanged', () => {
    const shards = new Shards('c2c');
    expect(shards.keyPrefix(0)).to.equal('c2c');
    expect(shards.queuePrefix(0)).to.equal('c2c:q');
    expect(shards.newAccountId('acct_abc')).to.equal('acct_abc');
    expect(shards.ofRequest('2c4f781a-4825-4d09-a573-2d8689e5682b')).to.equal(0);
  });

  it('when there are shards, then each has its own hash tag, and account and request ids name their shard', () => {
    const shards = new Shards('c2c', 3, true);
    expect(shards.all()).to.deep.equal([0, 1, 2]);
    expect(new Set(shards.all().map((n) => shards.keyPrefix(n))).size).to.equal(3);
    expect(shards.queuePrefix(2)).to.match(/^c2c:\{c2c:2(:[0-9]+)?\}:q$/);
    const counts = [0, 0, 0];
    for (let i = 0; i < 300; i++) {
      const account = shards.newAccountId(`acct_${i.toString(36)}x`);
      const n = shards.ofAccount(account);
      counts[n] = (counts[n] ?? 0) + 1;
      const request = shards.newRequestId(n);
      expect(request).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(shards.ofRequest(request)).to.equal(n);
      expect(shards.requestPrefix(request)).to.equal(shards.accountPrefix(account));
    }
    // Accounts spread over every shard.
    for (const count of counts) expect(count).to.be.greaterThan(60);
  });

  it('when many accounts are created, then their ids spread evenly over the shards (each within a point of its share)', () => {
    const shards = new Shards('c2c', 3, true);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) {
      const n = shards.ofAccount(shards.newAccountId(randomId('acct')));
      counts[n] = (counts[n] ?? 0) + 1;
    }
    // One standard deviation is about 0.27 points here: a point either way is far outside chance.
    for (const count of counts) expect(count / 30_000).to.be.within(1 / 3 - 0.01, 1 / 3 + 0.01);
  });

  it('when an id names no shard of this relay, then nothing is found for it; old account ids are shard 0', () => {
    const shards = new Shards('c2c', 3, true);
    expect(shards.ofRequest('2c4f781a-4825-4d09-a573-2d8689e568ff')).to.equal(undefined);
    expect(shards.ofAccount('acct_made_before_sharding')).to.equal(0);
    expect(shards.ofAccount('acct_x_s7')).to.equal(0);
  });
});

describe('shard hash tags', () => {
  it('when slots are computed, then they match Redis Cluster\'s CRC16 (the documented test vector)', async () => {
    const { clusterSlot } = await import('../../shared/shards.js');
    // CRC16-XMODEM("123456789") = 0x31C3 = 12739, the vector Redis documents.
    expect(clusterSlot('123456789')).to.equal(12739);
  });

  it('when there are N shards, then shard n\'s slot lies in the n-th of N equal parts of the slot space, whatever the prefix', async () => {
    const { clusterSlot } = await import('../../shared/shards.js');
    for (const prefix of ['c2c', 'relay-1', 'relay-4', 'relay-6', 'cl-spread', 'c2c-across']) {
      const shards = new Shards(prefix, 3, true);
      for (const n of shards.all()) {
        const tag = /\{([^}]*)\}/.exec(shards.keyPrefix(n))?.[1] ?? '';
        const slot = clusterSlot(tag);
        expect(slot, `${prefix} shard ${n}`).to.be.at.least(Math.floor((n * 16384) / 3)).and.below(Math.floor(((n + 1) * 16384) / 3));
      }
    }
  });
});
