/// <reference types="vite/client" />
/**
 * The bad-input corpus: every case in test/fixtures/bad-input/ gets its clear error (which
 * row, field and why; or the 4xx naming the parameter), changes nothing but what it says, and
 * changes nothing at all the second time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshTables } from '../support/tables.ts';
import { changedItems, readCases, snapshot, type BadInputDriver, type BadInputWorld } from './bad-input/world.ts';

const drivers = Object.values(import.meta.glob<{ driver: BadInputDriver }>('./bad-input/*.driver.ts', { eager: true })).map((module) => module.driver);

it('holds at least 150 cases over every surface', () => {
  const counts = Object.fromEntries(drivers.map((driver) => [driver.surface, readCases(driver.surface).length]));
  expect(Object.keys(counts).sort()).toEqual(['import-clients', 'import-visits', 'post-visits', 'reply-page', 'reports', 'sms-inbound', 'staff-api']);
  expect(Object.values(counts).reduce((sum, count) => sum + count, 0)).toBeGreaterThanOrEqual(150);
});

for (const driver of drivers) {
  describe(driver.surface, () => {
    let world: BadInputWorld;
    beforeAll(async () => {
      world = await freshTables();
      await driver.prepare?.(world);
    });
    afterAll(async () => {
      if (world) await driver.finish?.(world);
    });

    for (const testCase of readCases(driver.surface)) {
      it(testCase.case, async () => {
        const before = await snapshot(world);
        await driver.run(world, testCase, 1);
        const after = await snapshot(world);
        expect(changedItems(before, after), 'what the first run wrote').toEqual(testCase.changes ?? {});
        await driver.run(world, testCase, 2);
        expect(changedItems(after, await snapshot(world)), 'what the second run wrote').toEqual({});
      });
    }
  });
}
