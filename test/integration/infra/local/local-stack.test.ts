import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTimeToLiveCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ListTopicsCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, ListQueuesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freePort, LocalStackError, startDynamoDb, startLocalStack, stopProcess, type StackPorts } from '../../../../infra/local/stack.ts';
import {
  callbacksTable,
  clientsTable,
  outreachQueue,
  queues,
  smsRepliesQueue,
  smsRepliesTopic,
  tables,
  whatsAppEventsQueue,
} from '../../../../infra/resources.ts';
import { ViberBotClient } from '../../../../shared/viber/viber-bot-client.ts';
import { WhatsAppSender } from '../../../../shared/aws/whatsapp-sender.ts';
import { whatsAppText } from '../../../../shared/outreach/whatsapp-messages.ts';

/** Java processes serving DynamoDB Local on this port (there must be none after a stop). */
const javaOnPort = (port: number): string[] => {
  try {
    return execFileSync('pgrep', ['-f', `DynamoDBLocal.jar.*-port ${port}`], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean);
  } catch {
    return [];
  }
};

describe('the local stack', () => {
  let ports: StackPorts;
  // One DynamoDB port for the file: the stores' shared SDK client, made once per process as in a
  // Lambda, keeps the endpoint it was made for (the stack's webhook writes with it).
  let dynamodb: number;
  beforeAll(async () => {
    dynamodb = await freePort();
  });
  beforeEach(async () => {
    process.env.COMEBACK_DATA_DIR = await mkdtemp(join(tmpdir(), 'comeback-stack-'));
    // A stack applies its environment to the process; each test starts as a fresh process would.
    delete process.env.VIBER_TOKEN;
    ports = { dynamodb, messaging: 0, email: 0, smsvoice: 0, whatsapp: 0, viber: 0 };
  });

  it('creates every table, queue and topic from the shared definitions, wires the SMS reply topic to its queue, and stops Java', async () => {
    // Act
    const stack = await startLocalStack({ ports });
    try {
      // Assess
      const dynamo = new DynamoDBClient({});
      const { TableNames } = await dynamo.send(new ListTablesCommand({}));
      expect(TableNames).toEqual(expect.arrayContaining(tables.map((t) => t.localName)));

      const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
      const { QueueUrls } = await sqs.send(new ListQueuesCommand({}));
      for (const queue of queues) {
        expect(QueueUrls?.some((url) => url.endsWith(`/${queue.localName}`))).toBe(true);
        expect(QueueUrls?.some((url) => url.endsWith(`/${queue.localName}-dlq`))).toBe(true);
      }
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: stack.environment[outreachQueue.envVar], AttributeNames: ['RedrivePolicy'] }),
      );
      expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}')).toMatchObject({ maxReceiveCount: outreachQueue.maxReceiveCount });

      const sns = new SNSClient({});
      const { Topics } = await sns.send(new ListTopicsCommand({}));
      expect(Topics?.map((t) => t.TopicArn)).toContain(stack.environment[smsRepliesTopic.envVar]);
      await sns.send(new PublishCommand({ TopicArn: stack.environment[smsRepliesTopic.envVar], Message: '{"messageBody":"2"}' }));
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.environment[smsRepliesQueue.envVar], WaitTimeSeconds: 2 }));
      expect(Messages?.[0]?.Body).toBe('{"messageBody":"2"}');

      // SMS goes to the emulator through the SDK's own endpoint variable; a reply comes back through the topic.
      const sms = new PinpointSMSVoiceV2Client({});
      const { MessageId } = await sms.send(
        new SendTextMessageCommand({ DestinationPhoneNumber: '+306912345678', OriginationIdentity: '+18005550100', MessageBody: 'Reply 1-6' }),
      );
      const reply = await fetch(`${stack.environment.AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2}/reply`, {
        method: 'POST',
        body: JSON.stringify({ from: '+306912345678', body: '3' }),
      });
      expect(reply.status).toBe(200);
      const inbound = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: stack.environment[smsRepliesQueue.envVar], WaitTimeSeconds: 2, MaxNumberOfMessages: 10 }),
      );
      expect(inbound.Messages?.map((m) => JSON.parse(m.Body!) as Record<string, string>)).toContainEqual(
        expect.objectContaining({ originationNumber: '+306912345678', messageBody: '3', previousPublishedMessageId: MessageId }),
      );
      expect(javaOnPort(ports.dynamodb)).toHaveLength(1);

      // The callbacks ledger expires its items, as the CDK's table does.
      const { TimeToLiveDescription } = await dynamo.send(new DescribeTimeToLiveCommand({ TableName: callbacksTable.localName }));
      expect(TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: callbacksTable.timeToLiveAttribute });

      // A WhatsApp message from a client reaches the WhatsApp events queue through its topic, in End User Messaging Social's envelope.
      const whatsApp = await fetch(`${stack.environment.AWS_ENDPOINT_URL_SOCIALMESSAGING}/reply`, {
        method: 'POST',
        body: JSON.stringify({ from: '+306912345678', text: 'hello' }),
      });
      expect(whatsApp.status).toBe(200);
      const events = await sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.environment[whatsAppEventsQueue.envVar], WaitTimeSeconds: 2 }));
      expect(JSON.parse(events.Messages?.[0]?.Body ?? '{}')).toHaveProperty('whatsAppWebhookEntry');

      // The Viber emulator took the stack's webhook (it checked it with a signed callback first), so the bot may send.
      expect(stack.viberWebhook).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/viber\/callback$/);
      const bot = new ViberBotClient({ baseUrl: stack.environment.VIBER_API_URL, senderName: 'Clinic', token: async () => stack.environment.VIBER_TOKEN! });
      expect(await bot.sendMessage({ receiver: 'pttm25kSGUo1919sBORWyA==', text: 'hello', trackingData: 'job-1' })).toMatch(/^\d{19}$/);
      expect(stack.environment.VIBER_TOKEN!.length).toBeGreaterThanOrEqual(32);
    } finally {
      await stack.stop();
    }
    expect(javaOnPort(ports.dynamodb)).toEqual([]);
  });

  it('keeps the data for the next start', async () => {
    // Prepare
    const first = await startLocalStack({ ports });
    const db = () => DynamoDBDocumentClient.from(new DynamoDBClient({}));
    await db().send(new PutCommand({ TableName: clientsTable.localName, Item: { clientId: 'c-kept', locale: 'en' } }));
    const ses = () => new SESv2Client({});
    await ses().send(
      new SendEmailCommand({
        FromEmailAddress: 'care@clinic.example',
        Destination: { ToAddresses: ['kept@example.com'] },
        Content: { Simple: { Subject: { Data: 'kept' }, Body: { Text: { Data: 'x' } } } },
      }),
    );
    await new PinpointSMSVoiceV2Client({}).send(new SendTextMessageCommand({ DestinationPhoneNumber: '+306912345678', MessageBody: 'kept' }));
    await new WhatsAppSender({ originationPhoneNumberId: first.environment.WHATSAPP_PHONE_NUMBER_ID! }).send(whatsAppText('job-kept', '+306912345678', 'kept'));
    const token = first.environment.VIBER_TOKEN!;
    await new ViberBotClient({ baseUrl: first.environment.VIBER_API_URL, senderName: 'Clinic', token: async () => token }).sendMessage({
      receiver: 'pttm25kSGUo1919sBORWyA==',
      text: 'kept',
      trackingData: 'job-kept',
    });
    await first.stop();
    delete process.env.VIBER_TOKEN;

    // Act
    const second = await startLocalStack({ ports });
    try {
      const { Item } = await db().send(new GetCommand({ TableName: clientsTable.localName, Key: { clientId: 'c-kept' } }));

      // Assess: the tables, and the outboxes of both message emulators.
      expect(Item).toMatchObject({ clientId: 'c-kept' });
      const mail = (await (await fetch(`${second.environment.AWS_ENDPOINT_URL_SESV2}/store`)).json()) as { emails: { subject: string }[] };
      expect(mail.emails.map((email) => email.subject)).toContain('kept');
      const texts = (await (await fetch(`${second.environment.AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2}/messages`)).json()) as { body: string }[];
      expect(texts.map((text) => text.body)).toEqual(['kept']);
      const whatsApp = (await (await fetch(`${second.environment.AWS_ENDPOINT_URL_SOCIALMESSAGING}/messages`)).json()) as { outreachId: string }[];
      expect(whatsApp.map((message) => message.outreachId)).toEqual(['job-kept']);
      const viber = (await (await fetch(`${second.environment.VIBER_API_URL!.replace(/\/pa$/, '')}/messages`)).json()) as { text: string }[];
      expect(viber.map((message) => message.text)).toEqual(['kept']);
      // The bot's token was made once and kept beside the data, as the reply-link secret is.
      expect(second.environment.VIBER_TOKEN).toBe(token);
    } finally {
      await second.stop();
    }
  });

  it('stops what it already started when a later step fails', async () => {
    // Act
    const failing = startLocalStack({
      ports,
      onStep: (step) => {
        if (step.startsWith('starting fauxqs')) throw new Error('simulated failure');
      },
    });

    // Assess
    await expect(failing).rejects.toThrow('simulated failure');
    expect(javaOnPort(ports.dynamodb)).toEqual([]);
  });

  it('says which port is taken instead of starting half a stack', async () => {
    const busy = await startLocalStack({ ports });
    try {
      await expect(startLocalStack({ ports: { ...ports, messaging: busy.ports.messaging } })).rejects.toThrow(LocalStackError);
      await expect(startLocalStack({ ports: { ...ports, messaging: busy.ports.messaging } })).rejects.toThrow(/already in use/);
    } finally {
      await busy.stop();
    }
  });
});

describe('DynamoDB Local', () => {
  it('runs with the stated Java heap, and refuses a heap it cannot read', async () => {
    // Prepare
    const port = await freePort();
    process.env.COMEBACK_DYNAMODB_HEAP = '384m';
    let java: Awaited<ReturnType<typeof startDynamoDb>> | undefined;
    try {
      // Act
      java = await startDynamoDb(port, undefined);
      const [pid] = javaOnPort(port);
      const environment = await readFile(`/proc/${pid}/environ`, 'utf8');
      process.env.COMEBACK_DYNAMODB_HEAP = 'lots';
      const refused = await startDynamoDb(await freePort(), undefined).then(
        () => undefined,
        (error: unknown) => error,
      );

      // Assess
      expect(environment.split('\0')).toContain('JDK_JAVA_OPTIONS=-Xmx384m');
      expect(process.env.JDK_JAVA_OPTIONS).toBeUndefined();
      expect(refused).toBeInstanceOf(LocalStackError);
      expect((refused as Error).message).toContain('COMEBACK_DYNAMODB_HEAP=lots');
    } finally {
      delete process.env.COMEBACK_DYNAMODB_HEAP;
      if (java) await stopProcess(java);
    }
  });
});
