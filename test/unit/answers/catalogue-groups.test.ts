import { beforeEach, describe, expect, it } from 'vitest';
import { learnAlias } from '../../../shared/answers/reasons.ts';
import { recordAnswer, type AnswerDependencies } from '../../../shared/answers/use-cases/answers.ts';
import { approveGroup, mapGroup, pendingGroups, placeNowKnown, UnknownGroupError } from '../../../shared/answers/use-cases/catalogue.ts';
import { InMemoryAnswerStore } from '../../fakes/answer-store.ts';
import { InMemoryCatalogueStore } from '../../fakes/catalogue-store.ts';
import { InMemoryClientStore } from '../../fakes/client-store.ts';
import { InMemoryFollowUpStore } from '../../fakes/follow-up-store.ts';
import { InMemoryOutreachLog } from '../../fakes/outreach-log.ts';
import { InMemorySuppressionList } from '../../fakes/suppression-list.ts';

const at = '2026-05-12T10:00:00.000Z';

describe('placing pending answers a group at a time', () => {
  let deps: AnswerDependencies;
  let answered = 0;
  /** One client's text reply, as the reply page records it. */
  const reply = (text: string, locale: string) =>
    recordAnswer({ clientId: `c-${++answered}`, answerId: `page#job-${answered}`, channel: 'page', mode: 'upsert', text, locale }, deps);
  const parkingGroup = async () => (await pendingGroups(deps)).groups.find((group) => group.texts.includes('no parking'))!;

  beforeEach(async () => {
    answered = 0;
    deps = {
      answers: new InMemoryAnswerStore(),
      catalogue: new InMemoryCatalogueStore(),
      followUps: new InMemoryFollowUpStore(),
      clients: new InMemoryClientStore(),
      suppression: new InMemorySuppressionList(),
      log: new InMemoryOutreachLog(),
      now: () => new Date(at),
    };
    for (const [text, locale] of [
      ['No parking', 'en'],
      ['no parking!!', 'en'],
      ['parking', 'en'],
      ['πάρκινγκ', 'el'],
      ['walang parking', 'tl'],
      ['the lift is always broken', 'en'],
    ]) {
      await reply(text!, locale!);
    }
  });

  it('lists the pending answers in groups: parking in three languages, with examples and a new reason suggested', async () => {
    const { groups, grouped, leftOut } = await pendingGroups(deps);

    expect(groups[0]).toMatchObject({
      topic: 'parking',
      answers: 5,
      locales: ['el', 'en', 'tl'],
      examples: ['no parking', 'parking', 'walang parking'],
      suggestion: { kind: 'new', label: 'parking' },
    });
    expect(groups[0]!.texts).toHaveLength(4);
    expect([grouped, leftOut]).toEqual([groups.flatMap((group) => group.texts).length, 0]);
  });

  it('maps a whole group in one catalogue change: every text learned, every waiting answer placed', async () => {
    // Prepare
    const group = await parkingGroup();
    const before = await deps.catalogue.load();

    // Act
    const result = await mapGroup(group.groupId, 'other', 'eleni', deps);

    // Assess
    expect(result).toEqual({ texts: 4, placed: 5, alsoPlaced: 0 });
    const after = await deps.catalogue.load();
    expect(after.version).toBe(before.version + 1);
    expect(after.aliases.map((alias) => [alias.text, alias.reasonId, alias.locale])).toEqual(
      expect.arrayContaining([
        ['no parking', 'other', 'en'],
        ['parking', 'other', 'en'],
        ['παρκινγκ', 'other', 'el'],
        ['walang parking', 'other', 'tl'],
      ]),
    );
    expect((await deps.catalogue.changes()).at(-1)).toMatchObject({ kind: 'learn', reasonId: 'other', group: group.groupId, texts: 4, by: 'eleni' });
    const placed = [...(deps.answers as InMemoryAnswerStore).answers.values()].filter((answer) => answer.reasonId === 'other');
    expect(placed).toHaveLength(5);
    expect((await deps.catalogue.candidates()).map((candidate) => candidate.text)).toEqual(['the lift is always broken']);
    expect(await reply('walang parking', 'tl')).toMatchObject({ answer: { reasonId: 'other', method: 'alias' } });
  });

  it('approves a whole group as a new reason, its texts its first aliases', async () => {
    // Prepare
    const group = await parkingGroup();
    const before = await deps.catalogue.load();

    // Act
    const result = await approveGroup(group.groupId, { label: 'Parking', locale: 'en', churnType: 'voluntary' }, 'eleni', deps);

    // Assess
    expect(result).toMatchObject({ reason: { id: 'parking', labels: { en: 'Parking' }, churnType: 'voluntary' }, texts: 4, placed: 5, alsoPlaced: 0 });
    const after = await deps.catalogue.load();
    expect(after.version).toBe(before.version + 1);
    expect(after.aliases.filter((alias) => alias.reasonId === 'parking')).toHaveLength(4);
    expect((await deps.catalogue.changes()).at(-1)).toMatchObject({ kind: 'add', label: 'Parking', group: group.groupId, texts: 4 });
    expect((await pendingGroups(deps)).groups.map((left) => left.texts)).toEqual([['the lift is always broken']]);
  });

  it('then places the other pending answers the catalogue now knows, and only those', async () => {
    // Prepare: the catalogue learned "the lift is always broken" after that answer came in.
    const catalogue = await deps.catalogue.load();
    const learned = learnAlias(catalogue, 'the lift is always broken', 'other', 'en', at);
    await deps.catalogue.save(catalogue, learned, { kind: 'learn', text: 'the lift is always broken', at });
    const group = await parkingGroup();

    // Act
    const result = await approveGroup(group.groupId, { label: 'Parking', locale: 'en', churnType: 'voluntary' }, 'eleni', deps);

    // Assess
    expect(result).toMatchObject({ placed: 5, alsoPlaced: 1 });
    expect(await deps.catalogue.candidates()).toEqual([]);
    expect(await deps.answers.answersOf('c-6')).toEqual([expect.objectContaining({ reasonId: 'other' })]);
  });

  it('matches every pending text again, leaving those it still cannot place, and those cut short', async () => {
    // Prepare
    await deps.catalogue.noteCandidate('too dear for me', 'en', at, { truncated: true });
    const catalogue = learnAlias(learnAlias(await deps.catalogue.load(), 'parking', 'other', 'en', at), 'too dear for me', 'price', 'en', at);

    // Act
    const placed = await placeNowKnown(catalogue, deps);

    // Assess
    expect(placed).toBe(1);
    expect((await deps.catalogue.candidates()).map((candidate) => candidate.text)).not.toContain('parking');
    expect((await deps.catalogue.candidates()).map((candidate) => candidate.text)).toContain('too dear for me');
  });

  it('learns a group larger than one change can hold in as few changes as it takes', async () => {
    // Prepare: 120 more ways of saying parking (numbers say nothing, so they are one group).
    for (let n = 1; n <= 120; n++) await reply(`parking ${n}`, 'en');
    const group = (await pendingGroups(deps)).groups[0]!;
    const before = await deps.catalogue.load();

    // Act
    const result = await approveGroup(group.groupId, { label: 'Parking', locale: 'en', churnType: 'voluntary' }, 'eleni', deps);

    // Assess
    expect(group.texts.length).toBeGreaterThan(120);
    expect(result).toMatchObject({ texts: group.texts.length, placed: group.answers });
    expect((await deps.catalogue.load()).version).toBe(before.version + 2);
    expect((await deps.catalogue.changes()).slice(-2).map((change) => [change.kind, change.texts])).toEqual([
      ['add', 90],
      ['learn', group.texts.length - 90],
    ]);
  });

  it('refuses a group id that is not among the groups now, saying to list them again', async () => {
    const group = await parkingGroup();
    await mapGroup(group.groupId, 'other', 'eleni', deps);

    const again = mapGroup(group.groupId, 'price', 'kostas', deps);

    await expect(again).rejects.toThrow(UnknownGroupError);
    await expect(again).rejects.toMatchObject({ kind: 'not-found', message: expect.stringContaining('comeback reasons groups') });
  });

  it('refuses a reason that does not exist, and learns nothing', async () => {
    const group = await parkingGroup();
    const before = await deps.catalogue.load();

    await expect(mapGroup(group.groupId, 'no-such-reason', 'eleni', deps)).rejects.toMatchObject({ kind: 'not-found' });
    expect((await deps.catalogue.load()).version).toBe(before.version);
    expect(await parkingGroup()).toEqual(group);
  });
});
