/**
 * The staff and managers' API, through the local API Gateway and its JWT authorizer: bad
 * escapes and over-long ids, unknown clients, wrong methods, staff on managers' routes, tokens
 * the cloud would refuse, malformed bodies, days still to come. Each gets its clear 4xx and
 * writes nothing.
 */
import { DynamoAnswerStore } from '../../../shared/aws/dynamo-answer-store.ts';
import { DynamoCatalogueStore } from '../../../shared/aws/dynamo-catalogue-store.ts';
import { DynamoClientStore } from '../../../shared/aws/dynamo-client-store.ts';
import { DynamoFollowUpStore } from '../../../shared/aws/dynamo-follow-up-store.ts';
import { DynamoLapseStore } from '../../../shared/aws/dynamo-lapse-store.ts';
import { DynamoOutreachLog } from '../../../shared/aws/dynamo-outreach-log.ts';
import { DynamoSuppressionList } from '../../../shared/aws/dynamo-suppression-list.ts';
import { staffApi, type StaffDependencies } from '../../../functions/staff-api/handler.ts';
import { startHttpApi } from '../../../infra/local/http-api.ts';
import { verifyLocalToken } from '../../../infra/local/sign-in.ts';
import { expectClearError, localSignIn, send, type Caller, type HttpCase } from './http-cases.ts';
import type { BadInputDriver } from './world.ts';

let api: Awaited<ReturnType<typeof startHttpApi>> | undefined;
let signIn: Awaited<ReturnType<typeof localSignIn>> | undefined;

export const driver: BadInputDriver<HttpCase> = {
  surface: 'staff-api',

  async prepare({ tables, db }) {
    signIn = await localSignIn();
    const deps: StaffDependencies = {
      answers: new DynamoAnswerStore(tables.answers, db),
      catalogue: new DynamoCatalogueStore(tables.catalogue, db),
      followUps: new DynamoFollowUpStore(tables.followUps, db),
      clients: new DynamoClientStore(tables, db),
      suppression: new DynamoSuppressionList(tables.suppression, db),
      log: new DynamoOutreachLog(tables.outreach, db),
      lapses: new DynamoLapseStore(tables, db),
    };
    // One client to be wrong about, and the catalogue as it is once first read.
    await deps.clients.saveProfile({
      clientId: 'c-1',
      name: 'Νίκος Δημητρίου',
      phone: '+306912345678',
      locale: 'el',
      timeZone: 'Europe/Athens',
      consent: { email: false, sms: true, voice: false },
    });
    await deps.catalogue.load();
    api = await startHttpApi([{ prefix: '/', handler: (event) => staffApi(event, deps), verify: async (token) => verifyLocalToken(token) }], 0);
  },

  async run(_world, testCase) {
    expectClearError(await send(api!.port, testCase, signIn!.tokens as Record<Caller, string | undefined>), testCase);
  },

  async finish() {
    await api?.stop();
    signIn?.restore();
  },
};
