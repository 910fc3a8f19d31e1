import { expect } from 'chai';
import { pino } from 'pino';
import { Shutdown } from '../../shared/shutdown.js';

describe('Shutdown', () => {
  const logger = pino({ level: 'silent' });

  it('when run twice, then each step runs once and in order, even after a failing step', async () => {
    const ran: string[] = [];
    const shutdown = new Shutdown(logger, 1000)
      .add('a', () => ran.push('a'))
      .add('b', () => {
        throw new Error('boom');
      })
      .add('c', async () => ran.push('c'));
    const [first, second] = await Promise.all([shutdown.run(), shutdown.run()]);
    expect(first).to.equal(true);
    expect(second).to.equal(true);
    expect(ran).to.deep.equal(['a', 'c']);
  });

  it('when a step outlives the deadline, then run resolves false and later steps do not run', async () => {
    const ran: string[] = [];
    const shutdown = new Shutdown(logger, 50).add('hang', () => new Promise(() => {})).add('after', () => ran.push('after'));
    expect(await shutdown.run()).to.equal(false);
    expect(ran).to.deep.equal([]);
  });
});
