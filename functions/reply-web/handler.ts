import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { bodyText, httpRouter, httpStatus, problemHeaders } from '../http.ts';
import { replyRoutes } from './routes.ts';
import { appContext, replyPage } from '../../shared/app.ts';
import type { AppError } from '../../shared/common/app-error.ts';
import {
  pageHeaders,
  parseReplyForm,
  renderProblemPage,
  renderReplyPage,
  renderThanksPage,
  renderUnsubscribeConfirmPage,
  renderUnsubscribedPage,
  type ReplyProblem,
} from './views/reply-page.ts';
import { ReplyTokenError } from '../../shared/answers/reply-token.ts';
import type { AnswerDependencies } from '../../shared/answers/use-cases/answers.ts';
import {
  checkReply,
  checkUnsubscribe,
  openReplyPage,
  submitReply,
  unsubscribeByToken,
  type ReplyPageSettings,
} from '../../shared/answers/use-cases/reply-page.ts';

const logger = new Logger({ serviceName: 'reply-web' });

export interface ReplyWeb {
  readonly settings: ReplyPageSettings;
  readonly deps: AnswerDependencies;
}

const page = (statusCode: number, body: string, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { ...pageHeaders, ...headers },
  body,
});

/** The client's language from the browser, for pages shown before we know who they are. */
const browserLocale = (event: APIGatewayProxyEventV2): string | undefined =>
  event.headers?.['accept-language']?.split(',')[0]?.split(';')[0]?.trim() || undefined;

/** A refused request as a friendly page in the browser's language, with its kind's status; nothing internal is shown. */
const problemPage = (error: AppError, event: APIGatewayProxyEventV2): APIGatewayProxyStructuredResultV2 => {
  if (error instanceof ReplyTokenError) logger.info('refused link', { problem: error.problem });
  const problem: ReplyProblem = error.kind === 'gone' ? 'expired' : error.kind === 'not-found' || error.kind === 'not-allowed' ? 'not-found' : 'invalid';
  const locale = browserLocale(event);
  return page(httpStatus[error.kind], renderProblemPage({ ...(locale && { locale }), problem }), problemHeaders(error));
};

/**
 * The reply page: `GET /r/{token}` shows the clinic's reasons (and an earlier answer),
 * `POST /r/{token}` records the answer; `GET /u/{token}` asks to confirm, `POST /u/{token}`
 * unsubscribes (also the one-click POST of RFC 8058). A forged, expired or unknown link gets a
 * friendly page and a 4xx. The token is taken from the raw path as it is: a genuine one is
 * base64url with no escapes, so anything with a `%` (a malformed escape included) is an
 * invalid link, never a 500.
 */
const route = httpRouter<typeof replyRoutes, ReplyWeb>(
  replyRoutes,
  {
    replyPage: async ({ params: { token = '' }, deps: { settings, deps } }) => {
      const { context, choices, unsubscribeToken, previous, viberLink } = await openReplyPage(token, settings, deps);
      return page(
        200,
        renderReplyPage({
          locale: context.locale,
          clinicName: settings.clinicName,
          ...(context.firstName && { firstName: context.firstName }),
          reasons: choices,
          action: `./${token}`,
          unsubscribeAction: `../u/${unsubscribeToken}`,
          ...(viberLink && { viberLink }),
          ...(previous && {
            previous: {
              ...(previous.method === 'chosen' && previous.reasonId && { reasonId: previous.reasonId }),
              ...(previous.text && { text: previous.text }),
              callMe: previous.callMe,
              book: previous.book,
            },
          }),
        }),
      );
    },
    submitReply: async ({ event, params: { token = '' }, deps: { settings, deps } }) => {
      const form = parseReplyForm(bodyText(event), event.headers?.['content-type']);
      // Sent with nothing chosen or written: nothing to keep, so the page is shown again (a
      // genuine link's only: a forged or expired one is refused like any other).
      if (!form.reasonId && !form.text?.trim() && !form.callMe && !form.book) {
        await checkReply(token, settings, deps);
        return { statusCode: 303, headers: { ...pageHeaders, location: `./${token}` } };
      }
      const { context, result } = await submitReply(token, form, settings, deps);
      logger.info('reply recorded', {
        outreachId: context.claims.outreachId,
        outcome: result.outcome,
        method: result.answer.method,
        matched: result.answer.reasonId !== undefined,
      });
      return page(200, renderThanksPage({ locale: context.locale, clinicName: settings.clinicName, updated: result.outcome === 'updated' }));
    },
    unsubscribePage: async ({ params: { token = '' }, deps: { settings, deps } }) => {
      const context = await checkUnsubscribe(token, settings, deps);
      return page(200, renderUnsubscribeConfirmPage({ locale: context.locale, clinicName: settings.clinicName, action: `./${token}` }));
    },
    unsubscribe: async ({ params: { token = '' }, deps: { settings, deps } }) => {
      const context = await unsubscribeByToken(token, settings, deps);
      logger.info('unsubscribed', { outreachId: context.claims.outreachId });
      return page(200, renderUnsubscribedPage({ locale: context.locale, clinicName: settings.clinicName }));
    },
  },
  { rawPathParameters: true, problem: problemPage },
);

export const replyWeb = async (event: APIGatewayProxyEventV2, use: ReplyWeb): Promise<APIGatewayProxyStructuredResultV2> => {
  try {
    return await route(event, use);
  } catch (error) {
    logger.error('reply page failed', { error: error as Error });
    throw error;
  }
};

const app = appContext();

/**
 * Logs carry the invocation's request id. The event is never logged, whatever
 * POWERTOOLS_LOGGER_LOG_EVENT says: its body is what the client wrote, which is personal data.
 */
export const handler = middy(async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => replyWeb(event, await replyPage(app))).use(
  injectLambdaContext(logger, { logEvent: false }),
);
