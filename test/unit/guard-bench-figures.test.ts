import { describe, expect, it } from 'vitest';
import { AWS_PRICES } from '../bench/aws-prices.ts';
import { loopFigures, meetsTarget, monthlyCost, runsPerMonth } from '../bench/guard-figures.ts';

/** The guard bench's arithmetic on hand-computed examples (`npm run bench -- guard` prints these figures). */
const T = (hhmm: string) => Date.parse(`2026-11-24T${hhmm}:00Z`);
const MIN = 60_000;
const minutes = (from: string, count: number) =>
  Array.from({ length: count }, (_, i) => ({ at: T(from) + i * MIN, micros: 2_000_000 }));

describe('loopFigures', () => {
  it('a loop from 15:20, emailed and frozen at the 15:30 run, served through 15:34: 10, 10, 15 minutes and $30', () => {
    expect(
      loopFigures({
        loopStart: T('15:20'),
        emailAt: T('15:30'),
        frozenAt: T('15:30'),
        served: minutes('15:20', 15),
        sliceMs: MIN,
      }),
    ).toEqual({ toEmailMin: 10, toFreezeMin: 10, toLastDollarMin: 15, loopUsd: 30 });
  });

  it('approved 10 minutes after a 15:30 email: the freeze at 15:40, the last minute served 15:44', () => {
    const f = loopFigures({
      loopStart: T('15:20'),
      emailAt: T('15:30'),
      frozenAt: T('15:40'),
      served: minutes('15:20', 25),
      sliceMs: MIN,
    });
    expect([f.toEmailMin, f.toFreezeMin, f.toLastDollarMin, f.loopUsd]).toEqual([10, 20, 25, 50]);
  });

  it('the last dollar is the latest slice served, not the count of slices (spend that resumed later)', () => {
    const served = [...minutes('15:20', 2), { at: T('16:40'), micros: 1_500_000 }];
    const f = loopFigures({ loopStart: T('15:20'), served, sliceMs: MIN });
    expect(f.toLastDollarMin).toBe(81);
    expect(f.loopUsd).toBe(5.5);
    expect(f.toEmailMin).toBeUndefined();
    expect(f.toFreezeMin).toBeUndefined();
  });

  it('nothing served: 0 minutes and $0', () => {
    expect(loopFigures({ loopStart: T('15:20'), served: [], sliceMs: MIN })).toMatchObject({
      toLastDollarMin: 0,
      loopUsd: 0,
    });
  });
});

describe('meetsTarget (stopped within 20 minutes, under $40)', () => {
  it('20 minutes is within; $40 is not under $40', () => {
    expect(meetsTarget({ toLastDollarMin: 20, loopUsd: 39.99 })).toBe(true);
    expect(meetsTarget({ toLastDollarMin: 20, loopUsd: 40 })).toBe(false);
    expect(meetsTarget({ toLastDollarMin: 20.5, loopUsd: 10 })).toBe(false);
  });
});

describe('monthlyCost', () => {
  const run = {
    periodMinutes: 15,
    syncMs: 199.2, // billed as 200 ms
    syncMemoryMb: 512,
    dispatchMs: 40,
    dispatchMemoryMb: 256,
    readUnits: 2.5,
    writeUnits: 6,
    sqsRequests: 3,
    secretsCalls: 1,
    traces: 2,
  };

  it('runs a 30-day month: 2,880 every 15 minutes, 8,640 every 5; 744 hourly in 31 days', () => {
    expect(runsPerMonth(15)).toBe(2880);
    expect(runsPerMonth(5)).toBe(8640);
    expect(runsPerMonth(60, 31)).toBe(744);
  });

  it('every 15 minutes, item by item at the us-east-1 prices', () => {
    const c = monthlyCost(run, AWS_PRICES);
    const line = (item: string) => c.lines.find((l) => l.item === item);
    // (0.2 s × 0.5 GB + 0.04 s × 0.25 GB) × 2,880 = 316.8 GB-s × $0.0000133334
    expect(line('Lambda duration')?.quantity).toBeCloseTo(316.8, 9);
    expect(line('Lambda duration')?.usd).toBeCloseTo(0.00422402112, 12);
    expect(line('Lambda requests')).toMatchObject({ quantity: 5760 });
    expect(line('Lambda requests')?.usd).toBeCloseTo(0.001152, 12); // 5,760 × $0.20 / 1M
    expect(line('DynamoDB reads')?.usd).toBeCloseTo(0.0009, 12); // 7,200 RRU × $0.125 / 1M
    expect(line('DynamoDB writes')?.usd).toBeCloseTo(0.0108, 12); // 17,280 WRU × $0.625 / 1M
    expect(line('Scheduler')?.usd).toBeCloseTo(0.00288, 12); // 2,880 × $1 / 1M
    expect(line('SQS')?.usd).toBeCloseTo(0.003456, 12); // 8,640 × $0.40 / 1M
    expect(line('Secrets Manager')?.usd).toBeCloseTo(0.0144, 12); // 2,880 × $0.05 / 10k
    expect(line('X-Ray')?.usd).toBeCloseTo(0.0288, 12); // 5,760 × $5 / 1M
    expect(c.totalUsd).toBeCloseTo(0.06661202112, 12);
  });

  it('every 5 minutes is three times every 15 when a run costs the same', () => {
    const five = monthlyCost({ ...run, periodMinutes: 5 }, AWS_PRICES);
    expect(five.runs).toBe(8640);
    expect(five.totalUsd).toBeCloseTo(3 * 0.06661202112, 12);
  });
});
