import { expect } from 'chai';
import { machineShares, machineTicks, parseMachineTicks } from '../../scripts/bench/processes.js';

// user nice system idle iowait irq softirq steal guest guest_nice (guest is already counted in user)
const STAT = (user: number, idle: number, steal: number) => `cpu  ${user} 10 ${200} ${idle} 5 0 ${40} ${steal} 70 0\ncpu0 1 2 3 4 5 6 7 8 9 10\nintr 1 2 3\n`;

describe('bench machine shares', () => {
  it('when /proc/stat is read, then busy sums user, nice, system, irq and softirq, idle takes iowait, and guest time is not counted twice', () => {
    expect(parseMachineTicks(STAT(1000, 5000, 30))).to.deep.equal({ busy: 1250, idle: 5005, steal: 30 });
    expect(parseMachineTicks('intr 1 2 3\n')).to.equal(undefined);
  });

  it('when the cores were busy 800 ticks, idle 150 and stolen 50 of an interval, then the shares are 80 % busy and 5 % steal', () => {
    const before = parseMachineTicks(STAT(1000, 5000, 30));
    const after = parseMachineTicks(STAT(1800, 5150, 80));
    expect(machineShares(before, after)).to.deep.equal({ busy: 80, steal: 5 });
  });

  it('when a reading is missing or nothing elapsed, then there are no shares rather than invented ones', () => {
    const reading = parseMachineTicks(STAT(1000, 5000, 30));
    expect(machineShares(undefined, reading)).to.equal(undefined);
    expect(machineShares(reading, reading)).to.equal(undefined);
  });

  it('when this machine is read twice around some work, then the busy share lies between 0 and 100 %', () => {
    const before = machineTicks();
    const spinUntil = Date.now() + 50;
    while (Date.now() < spinUntil) Math.sqrt(Math.random());
    const shares = machineShares(before, machineTicks());
    expect(shares?.busy).to.be.within(0, 100);
    expect(shares?.steal).to.be.within(0, 100);
  });
});
