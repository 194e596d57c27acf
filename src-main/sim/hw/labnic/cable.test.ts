import { describe, expect, it } from 'vitest';
import { CAUSE, STATUS } from './registers';
import { linkedBench } from './testing';

/** The cable to the link partner (what a scenario's lower-link does to a LabNIC below a binding). */
describe('LabNIC cable', () => {
  it('pulled: the link goes down with LSC and stays down, through auto-negotiation and a link flap', () => {
    const { nic, host, rd, wr } = linkedBench();
    wr('IMS', CAUSE.LSC);
    nic.setCable(false);
    expect(rd('STATUS') & STATUS.LU).toBe(0);
    expect(rd('ICR')).toBe(CAUSE.LSC);
    nic.inject({ kind: 'link-flap', downMs: 1 });
    host.advanceMs(200);
    expect(rd('STATUS') & STATUS.LU).toBe(0);
  });

  it('plugged back in: auto-negotiation runs again and the link comes up 50 ms later', () => {
    const { nic, host, rd } = linkedBench();
    nic.setCable(false);
    host.advanceMs(10);
    nic.setCable(true);
    host.advance(499_999);
    expect(rd('STATUS') & STATUS.LU).toBe(0);
    host.advance(1);
    expect(rd('STATUS')).toBe(STATUS.FD | STATUS.LU | STATUS.SPEED_1000);
    // Plugging a cable that is already in changes nothing.
    nic.setCable(true);
    expect(host.pending()).not.toContain('auto-negotiation complete');
  });
});
