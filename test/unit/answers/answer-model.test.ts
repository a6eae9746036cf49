import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { matchAnswer } from '../../../shared/answers/reason-matching.ts';
import { seedCatalogue } from '../../../shared/answers/reasons.ts';
import type { AnswerModel, ModelPlacement, ReasonChoice } from '../../../shared/answers/ports/answer-model.ts';
import { AnswerModelError } from '../../../shared/answers/ports/answer-model.ts';
import { recordAnswer, receiveSms, type AnswerDependencies, type AnswerInput, type SmsDependencies } from '../../../shared/answers/use-cases/answers.ts';
import { logger } from '../../../shared/common/logger.ts';
import { InMemoryAnswerStore } from '../../fakes/answer-store.ts';
import { InMemoryCatalogueStore } from '../../fakes/catalogue-store.ts';
import { InMemoryClientStore } from '../../fakes/client-store.ts';
import { InMemoryFollowUpStore } from '../../fakes/follow-up-store.ts';
import { InMemoryOutreachLog } from '../../fakes/outreach-log.ts';
import { InMemorySuppressionList } from '../../fakes/suppression-list.ts';

/** A model that answers what it is told to, and remembers what it was asked. */
class FakeAnswerModel implements AnswerModel {
  readonly asked: { text: string; reasons: readonly ReasonChoice[] }[] = [];
  constructor(private readonly answer: (text: string) => ModelPlacement | undefined | Promise<ModelPlacement | undefined>) {}

  async place(text: string, reasons: readonly ReasonChoice[]): Promise<ModelPlacement | undefined> {
    this.asked.push({ text, reasons });
    return this.answer(text);
  }
}

/** Words the offline matcher cannot place (checked below): no reason's word, nothing like one. */
const unplaceable = 'purple giraffes hum on tuesdays';

describe('recordAnswer with the optional answer model', () => {
  let deps: AnswerDependencies;
  const answer = (overrides: Partial<AnswerInput> = {}): AnswerInput => ({
    clientId: 'c-1',
    answerId: 'page#job-1',
    channel: 'page',
    mode: 'upsert',
    text: unplaceable,
    locale: 'en',
    ...overrides,
  });
  const withModel = (model: AnswerModel): AnswerDependencies => ({ ...deps, answerModel: model });

  beforeEach(async () => {
    deps = {
      answers: new InMemoryAnswerStore(),
      catalogue: new InMemoryCatalogueStore(),
      followUps: new InMemoryFollowUpStore(),
      clients: new InMemoryClientStore(),
      suppression: new InMemorySuppressionList(),
      log: new InMemoryOutreachLog(),
      now: () => new Date('2026-05-12T10:00:00Z'),
    };
    await deps.clients.saveProfile({
      clientId: 'c-1',
      name: 'Maria Pappa',
      phone: '+306912345678',
      locale: 'en',
      timeZone: 'Europe/Athens',
      consent: { email: true, sms: true, voice: false },
    });
  });
  afterEach(() => vi.restoreAllMocks());

  it('is given words the matcher cannot place', () => {
    expect(matchAnswer(seedCatalogue(), unplaceable, 'en').reasonId).toBeUndefined();
  });

  it('places what the matcher left, with method "model", when the model is as sure as the matcher must be; no candidate waits', async () => {
    const model = new FakeAnswerModel(() => ({ reasonId: 'quality-of-care', confidence: 0.86 }));

    const result = await recordAnswer(answer(), withModel(model));

    expect(result.answer).toMatchObject({ reasonId: 'quality-of-care', method: 'model', confidence: 0.86 });
    expect(result.answer).not.toHaveProperty('candidate');
    expect(await deps.catalogue.candidates()).toEqual([]);
    expect(await deps.catalogue.reasonsGiven()).toEqual(new Map([['quality-of-care', 1]]));
    // The text alone, and the reasons a client can give (not "passed away", not the catch-all "other").
    expect(model.asked).toHaveLength(1);
    expect(model.asked[0]!.text).toBe(unplaceable);
    const offered = model.asked[0]!.reasons.map((reason) => reason.id);
    expect(offered).toContain('price');
    expect(offered).not.toContain('deceased');
    expect(offered).not.toContain('other');
    expect(model.asked[0]!.reasons.find((reason) => reason.id === 'price')!.label).toBe('Price');
  });

  it('keeps a candidate when the model is unsure, names no reason, or was not asked (over its cap)', async () => {
    for (const [index, placement] of [{ reasonId: 'price', confidence: 0.6 }, { confidence: 0.9 }, undefined].entries()) {
      const result = await recordAnswer(answer({ answerId: `page#job-${index}` }), withModel(new FakeAnswerModel(() => placement)));
      expect(result.answer).toMatchObject({ method: 'none', candidate: expect.any(String) });
      expect(result.answer).not.toHaveProperty('reasonId');
    }
    expect((await deps.catalogue.candidates()).map((candidate) => candidate.answers)).toEqual([3]);
  });

  it('never loses the answer when the model fails: it waits as a candidate, with a warning naming the answer, not its words', async () => {
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const failing = new FakeAnswerModel(() => {
      throw new AnswerModelError('the answer model failed: ThrottlingException');
    });

    const result = await recordAnswer(answer(), withModel(failing));

    expect(result.outcome).toBe('created');
    expect(result.answer).toMatchObject({ method: 'none', candidate: expect.any(String), text: unplaceable });
    expect(await deps.answers.get('c-1', 'page#job-1')).toMatchObject({ text: unplaceable });
    expect(await deps.catalogue.candidates()).toHaveLength(1);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![1]).toEqual({ answerId: 'page#job-1', error: 'AnswerModelError' });
    expect(JSON.stringify(warn.mock.calls)).not.toContain('giraffes');
  });

  it('takes no reason the model was not offered', async () => {
    const result = await recordAnswer(answer(), withModel(new FakeAnswerModel(() => ({ reasonId: 'deceased', confidence: 0.99 }))));
    expect(result.answer).toMatchObject({ method: 'none', candidate: expect.any(String) });
  });

  it('is not asked when the matcher placed the answer, a reason was chosen, the client opted out, or there is no text', async () => {
    const model = new FakeAnswerModel(() => ({ reasonId: 'schedule', confidence: 0.99 }));

    expect((await recordAnswer(answer({ answerId: 'page#a', text: 'too expensive' }), withModel(model))).answer).toMatchObject({
      reasonId: 'price',
      method: 'keyword',
    });
    expect((await recordAnswer(answer({ answerId: 'page#b', chosenReasonId: 'moved-away' }), withModel(model))).answer).toMatchObject({
      method: 'chosen',
    });
    expect((await recordAnswer(answer({ answerId: 'page#c', optedOut: true }), withModel(model))).answer).toMatchObject({ method: 'none' });
    expect((await recordAnswer(answer({ answerId: 'page#d', text: '   ' }), withModel(model))).answer).toMatchObject({ method: 'none' });
    expect(model.asked).toEqual([]);
  });

  it('changes nothing without a model: the words wait as a candidate', async () => {
    expect((await recordAnswer(answer(), deps)).answer).toMatchObject({ method: 'none', candidate: expect.any(String) });
  });

  it('places a text message too, sending the model only the words', async () => {
    const model = new FakeAnswerModel(() => ({ reasonId: 'quality-of-care', confidence: 0.8 }));
    const sms: SmsDependencies = {
      ...withModel(model),
      messenger: { sendText: async () => 'm' },
      clinicName: 'Harbour Clinic',
    };

    const outcome = await receiveSms(
      { originationNumber: '+306912345678', destinationNumber: '+18005550100', messageBody: unplaceable, inboundMessageId: 'in-1' },
      sms,
    );

    expect(outcome).toMatchObject({ kind: 'answer', result: { answer: { clientId: 'c-1', reasonId: 'quality-of-care', method: 'model' } } });
    expect(JSON.stringify(model.asked)).not.toMatch(/\+30|Maria|c-1/);
  });
});
