/**
 * `comeback reasons groups`, `map-group` and `approve-group` as a manager runs them, on
 * DynamoDB Local: what they print, and what they change.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { groupCommands, listGroups } from '../../../cli/answers-command.ts';
import { DynamoAnswerStore } from '../../../shared/aws/dynamo-answer-store.ts';
import { DynamoCatalogueStore } from '../../../shared/aws/dynamo-catalogue-store.ts';
import { DynamoClientStore } from '../../../shared/aws/dynamo-client-store.ts';
import { DynamoFollowUpStore } from '../../../shared/aws/dynamo-follow-up-store.ts';
import { DynamoOutreachLog } from '../../../shared/aws/dynamo-outreach-log.ts';
import { DynamoSuppressionList } from '../../../shared/aws/dynamo-suppression-list.ts';
import { recordAnswer, type AnswerDependencies } from '../../../shared/answers/use-cases/answers.ts';
import { freshTables } from '../../support/tables.ts';

let deps: AnswerDependencies;

/** What a command printed, line by line. */
const printed = async (command: () => Promise<void>): Promise<string> => {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void lines.push(parts.join(' ')));
  try {
    await command();
  } finally {
    log.mockRestore();
  }
  return lines.join('\n');
};

const groupIdIn = (output: string, text: string): string => {
  const lines = output.split('\n');
  const at = lines.findIndex((line) => line.includes(`"${text}"`));
  return lines
    .slice(0, at)
    .reverse()
    .find((line) => /^\s+g-/.test(line))!
    .trim()
    .split(/\s+/)[0]!;
};

beforeAll(async () => {
  const { tables, db } = await freshTables();
  deps = {
    answers: new DynamoAnswerStore(tables.answers, db),
    catalogue: new DynamoCatalogueStore(tables.catalogue, db),
    followUps: new DynamoFollowUpStore(tables.followUps, db),
    clients: new DynamoClientStore(tables, db),
    suppression: new DynamoSuppressionList(tables.suppression, db),
    log: new DynamoOutreachLog(tables.outreach, db),
  };
  const replies = [
    ['No parking', 'en'],
    ['no parking!!', 'en'],
    ['parking', 'en'],
    ['πάρκινγκ', 'el'],
    ['walang parking', 'tl'],
    ['the lift is always broken', 'en'],
  ];
  for (const [index, [text, locale]] of replies.entries()) {
    await recordAnswer({ clientId: `c-${index}`, answerId: `page#job-${index}`, channel: 'page', mode: 'upsert', text: text!, locale: locale! }, deps);
  }
});

afterEach(() => vi.restoreAllMocks());

describe('reasons groups, map-group and approve-group', () => {
  it('lists each group on one line with its answers, languages and suggestion, then up to three of its texts', async () => {
    const output = await printed(() => listGroups({}, deps));

    expect(output).toContain('6 answers wait for a manager, in 2 groups:');
    expect(output).toMatch(/\n {2}g-[0-9a-z]+ +parking +5 answers in 3 languages \(el, en, tl\) +suggested: new reason "parking"\n/);
    expect(output).toContain('      "no parking"\n      "parking"\n      "walang parking"\n      … and 1 more text');
    expect(output).toContain('comeback reasons map-group ID --to REASON');
  });

  it('prints every text of every group as JSON', async () => {
    const output = JSON.parse(await printed(() => listGroups({ json: true }, deps)));

    expect(output.groups.map((group: { texts: string[] }) => group.texts.length)).toEqual([4, 1]);
    expect(output).toMatchObject({ grouped: 5, leftOut: 0 });
  });

  it('approves a group as a new reason and says what it placed, including what the new knowledge placed', async () => {
    // Prepare
    const groupId = groupIdIn(await printed(() => listGroups({}, deps)), 'no parking');

    // Act
    const output = await printed(() => groupCommands.approve(groupId, { label: 'Parking', locale: 'en', churnType: 'voluntary', by: 'eleni' }, deps));

    // Assess
    expect(output).toBe(
      `New reason parking ("Parking"): 4 texts of group ${groupId} learned, 5 waiting answers placed.\n0 more pending answers placed by what was learned.`,
    );
    expect(await printed(() => listGroups({}, deps))).toContain('1 answer waits for a manager, in 1 group:');
  });

  it('maps a group to a reason, and refuses a churn type or a group id it does not know', async () => {
    // Prepare
    const groupId = groupIdIn(await printed(() => listGroups({}, deps)), 'the lift is always broken');

    // Act
    const badChurn = await groupCommands.approve(groupId, { label: 'Lift', locale: 'en', churnType: 'sometimes' }, deps).catch((error: unknown) => error);
    const output = await printed(() => groupCommands.map(groupId, { to: 'other', by: 'eleni' }, deps));
    const gone = groupCommands.map(groupId, { to: 'other' }, deps);

    // Assess
    expect(badChurn).toMatchObject({ kind: 'invalid', message: '--churn-type sometimes: one of voluntary, involuntary, passive' });
    expect(output).toBe(`Group ${groupId} now means other: 1 text learned, 1 waiting answer placed.\n0 more pending answers placed by what was learned.`);
    await expect(gone).rejects.toMatchObject({ kind: 'not-found', message: expect.stringContaining('list them again with `comeback reasons groups`') });
    expect(await printed(() => listGroups({}, deps))).toBe('No answers wait for a manager.');
  });
});
