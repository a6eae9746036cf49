import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedClinic } from '../../../cli/seed-command.ts';
import { freePort, startLocalStack, type LocalStack } from '../../../infra/local/stack.ts';
import { defaultSweepSettings } from '../../../shared/lapse/use-cases/sweep.ts';

describe('the sweep functions', () => {
  let stack: LocalStack;
  let sweep: typeof import('../../../functions/sweep/handler.ts').sweep;
  let sweepOneSegment: typeof import('../../../functions/sweep-segment/handler.ts').sweepOneSegment;

  beforeAll(async () => {
    stack = await startLocalStack({ inMemory: true, ports: { dynamodb: await freePort(), messaging: 0, email: 0, smsvoice: 0 } });
    await seedClinic({ clients: '150', asOf: '2026-05-11', seed: '3' });
    ({ sweep } = await import('../../../functions/sweep/handler.ts'));
    ({ sweepOneSegment } = await import('../../../functions/sweep-segment/handler.ts'));
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('coordinator: runs the sweep for the day it is given, and returns the counts without the flagged list', async () => {
    const report = await sweep({ asOf: '2026-05-11', dryRun: true });
    expect(report).toMatchObject({ asOf: '2026-05-11', dryRun: true });
    expect(report.counts.clients).toBe(150);
    expect('flagged' in report).toBe(false);
  });

  it('coordinator: takes what EventBridge Scheduler sends (nothing) and refuses a day that does not exist', async () => {
    await expect(sweep({ asOf: '2026-02-30' })).rejects.toThrow(/real date/);
    await expect(sweep({ asOf: 20260511 })).rejects.toThrow();
  });

  it('segment: reads its share of the clients and reports on them', async () => {
    const settings = { ...defaultSweepSettings('2026-05-11'), dryRun: true };
    const reports = await Promise.all([0, 1, 2].map((segment) => sweepOneSegment({ runId: 'r-1', segment, totalSegments: 3, settings, inputsOnly: false })));
    expect(reports.reduce((sum, report) => sum + report.counts.clients, 0)).toBe(150);
    expect(reports.map((report) => report.segment)).toEqual([0, 1, 2]);
  });

  it('segment: refuses a request the coordinator could not have sent', async () => {
    const settings = defaultSweepSettings('2026-05-11');
    await expect(sweepOneSegment({ runId: 'r-1', segment: 3, totalSegments: 3, settings, inputsOnly: false })).rejects.toThrow(/below totalSegments/);
    await expect(sweepOneSegment({ runId: '', segment: 0, totalSegments: 3, settings, inputsOnly: false })).rejects.toThrow();
  });
});
