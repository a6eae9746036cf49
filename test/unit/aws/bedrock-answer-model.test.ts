import { BedrockRuntimeClient, ConverseCommand, type ConverseCommandOutput } from '@aws-sdk/client-bedrock-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { costOf, spendMonthOf } from '../../../shared/answers/model-budget.ts';
import { AnswerModelError, type ReasonChoice } from '../../../shared/answers/ports/answer-model.ts';
import { BedrockAnswerModel, noReasonChoice, placeAnswerTool } from '../../../shared/aws/bedrock-answer-model.ts';
import { logger } from '../../../shared/common/logger.ts';
import { InMemoryModelSpend } from '../../fakes/model-spend.ts';

const bedrock = mockClient(BedrockRuntimeClient);

const reasons: ReasonChoice[] = [
  { id: 'price', label: 'Price' },
  { id: 'waiting-time', label: 'Waiting time' },
  { id: 'moved-away', label: 'Moved away' },
];
const settings = { modelId: 'anthropic.claude-3-haiku-20240307-v1:0', monthlyCapUsd: 5, prices: { inputPer1000Tokens: 0.25, outputPer1000Tokens: 1.25 } };
const may = new Date('2026-05-12T10:00:00Z');

/** A Converse response as the API documents it: the assistant's message with one toolUse block, the stop reason and the usage. */
const toolResponse = (input: unknown, usage = { inputTokens: 400, outputTokens: 40, totalTokens: 440 }): ConverseCommandOutput => ({
  $metadata: {},
  output: { message: { role: 'assistant', content: [{ toolUse: { toolUseId: 'tooluse_1', name: placeAnswerTool, input: input as never } }] } },
  stopReason: 'tool_use',
  usage,
  metrics: { latencyMs: 300 },
});

describe('BedrockAnswerModel: the Converse requests it makes and what it reads back', () => {
  let spend: InMemoryModelSpend;
  const model = () => new BedrockAnswerModel(settings, spend, new BedrockRuntimeClient({ region: 'us-east-1' }), () => may);

  beforeEach(() => {
    bedrock.reset();
    spend = new InMemoryModelSpend();
  });
  afterEach(() => vi.restoreAllMocks());

  it('sends the answer’s text alone as the user’s message, and forces the one tool whose reason is an enum of the ids and "none"', async () => {
    bedrock.on(ConverseCommand).resolves(toolResponse({ reasonId: 'price', confidence: 0.9 }));

    await model().place('the bill got out of hand', reasons);

    const [call] = bedrock.commandCalls(ConverseCommand);
    const input = call!.args[0].input;
    expect(input.modelId).toBe(settings.modelId);
    expect(input.messages).toEqual([{ role: 'user', content: [{ text: 'the bill got out of hand' }] }]);
    // The system prompt says what to do and lists the reasons; nothing about who wrote the answer.
    const system = input.system!.map((block) => ('text' in block ? block.text : '')).join('\n');
    expect(system).toMatch(/why did you stop coming/i);
    for (const reason of reasons) expect(system).toContain(`${reason.id}: ${reason.label}`);
    expect(input.toolConfig!.toolChoice).toEqual({ tool: { name: placeAnswerTool } });
    expect(input.toolConfig!.tools).toHaveLength(1);
    const spec = input.toolConfig!.tools![0]!.toolSpec!;
    expect(spec.name).toBe(placeAnswerTool);
    expect(spec.inputSchema).toEqual({
      json: {
        type: 'object',
        properties: {
          reasonId: { type: 'string', enum: ['price', 'waiting-time', 'moved-away', noReasonChoice], description: expect.any(String) },
          confidence: { type: 'number', minimum: 0, maximum: 1, description: expect.any(String) },
        },
        required: ['reasonId', 'confidence'],
      },
    });
    expect(input.inferenceConfig).toMatchObject({ temperature: 0 });
  });

  it('reads the tool’s input as the placement, and "none" or an id it was not given as no reason', async () => {
    bedrock
      .on(ConverseCommand)
      .resolvesOnce(toolResponse({ reasonId: 'waiting-time', confidence: 0.82 }))
      .resolvesOnce(toolResponse({ reasonId: noReasonChoice, confidence: 0.7 }))
      .resolvesOnce(toolResponse({ reasonId: 'too-cold', confidence: 0.95 }));

    expect(await model().place('two hours in the lobby', reasons)).toEqual({ reasonId: 'waiting-time', confidence: 0.82 });
    expect(await model().place('hello?', reasons)).toEqual({ confidence: 0.7 });
    expect(await model().place('the rooms are cold', reasons)).toEqual({ confidence: 0.95 });
  });

  it('takes bad or missing tool output as no reason, and still counts what the call cost', async () => {
    bedrock
      .on(ConverseCommand)
      .resolvesOnce(toolResponse({ reasonId: 'price', confidence: 7 }))
      .resolvesOnce(toolResponse({ reason: 'price' }))
      .resolvesOnce(toolResponse('price'))
      .resolvesOnce({
        $metadata: {},
        output: { message: { role: 'assistant', content: [{ text: 'It is about the price.' }] } },
        stopReason: 'end_turn',
        usage: { inputTokens: 400, outputTokens: 10, totalTokens: 410 },
        metrics: { latencyMs: 200 },
      });

    for (let call = 0; call < 4; call++) expect(await model().place('the bill', reasons)).toEqual({ confidence: 0 });
    expect(spend.months.get('2026-05')).toBeCloseTo(
      3 * costOf({ inputTokens: 400, outputTokens: 40 }, settings.prices) + costOf({ inputTokens: 400, outputTokens: 10 }, settings.prices),
      9,
    );
  });

  it('adds each call’s cost from the usage Bedrock reports to the month’s spend', async () => {
    bedrock.on(ConverseCommand).resolves(toolResponse({ reasonId: 'price', confidence: 0.9 }, { inputTokens: 1000, outputTokens: 200, totalTokens: 1200 }));

    await model().place('the bill', reasons);
    await model().place('the bill again', reasons);

    // 1,000 input tokens at $0.25 and 200 output tokens at $1.25 per 1,000: $0.50 a call.
    expect(spend.months).toEqual(new Map([['2026-05', 1]]));
  });

  it('makes no call once the month’s spend reaches the cap, says so once, and asks again next month', async () => {
    bedrock.on(ConverseCommand).resolves(toolResponse({ reasonId: 'price', confidence: 0.9 }));
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    await spend.add('2026-05', 5);
    let now = may;
    const capped = new BedrockAnswerModel(settings, spend, new BedrockRuntimeClient({ region: 'us-east-1' }), () => now);

    expect(await capped.place('the bill', reasons)).toBeUndefined();
    expect(await capped.place('the bill again', reasons)).toBeUndefined();
    expect(bedrock.commandCalls(ConverseCommand)).toHaveLength(0);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![1]).toEqual({ month: '2026-05', spentUsd: 5, capUsd: 5 });

    now = new Date('2026-06-01T00:00:00Z');
    expect(await capped.place('the bill', reasons)).toEqual({ reasonId: 'price', confidence: 0.9 });
    expect(bedrock.commandCalls(ConverseCommand)).toHaveLength(1);
  });

  it('turns a failed call into an AnswerModelError naming the model and the failure, never the text', async () => {
    bedrock.on(ConverseCommand).rejects(Object.assign(new Error('Too many requests'), { name: 'ThrottlingException' }));

    const failure = await model()
      .place('my private words', reasons)
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(AnswerModelError);
    expect((failure as AnswerModelError).kind).toBe('unavailable');
    expect((failure as Error).message).toContain('ThrottlingException');
    expect((failure as Error).message).toContain(settings.modelId);
    expect((failure as Error).message).not.toContain('private');
    expect(spend.months.size).toBe(0);
  });

  it('keeps a placement when the spend counter cannot be written', async () => {
    bedrock.on(ConverseCommand).resolves(toolResponse({ reasonId: 'moved-away', confidence: 0.88 }));
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    spend.add = async () => {
      throw Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' });
    };

    expect(await model().place('we moved to Patras', reasons)).toEqual({ reasonId: 'moved-away', confidence: 0.88 });
    expect(warn).toHaveBeenCalledWith('answer model spend not recorded', expect.objectContaining({ month: '2026-05' }));
  });

  it('asks nothing when there is no reason to choose', async () => {
    expect(await model().place('anything', [])).toBeUndefined();
    expect(bedrock.commandCalls(ConverseCommand)).toHaveLength(0);
  });
});

describe('the model’s budget', () => {
  it('prices input and output tokens apart, per 1,000', () => {
    expect(costOf({ inputTokens: 2000, outputTokens: 100 }, { inputPer1000Tokens: 0.00025, outputPer1000Tokens: 0.00125 })).toBeCloseTo(0.000625, 12);
    expect(costOf(undefined, { inputPer1000Tokens: 1, outputPer1000Tokens: 1 })).toBe(0);
  });

  it('counts spend by UTC calendar month', () => {
    expect(spendMonthOf(new Date('2026-05-31T23:59:59Z'))).toBe('2026-05');
    expect(spendMonthOf(new Date('2026-06-01T00:00:00Z'))).toBe('2026-06');
  });
});
