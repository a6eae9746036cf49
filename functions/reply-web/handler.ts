import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { answeringHead, bodyText } from '../http.ts';
import { buildApp } from '../../shared/app.ts';
import {
  pageHeaders,
  parseReplyForm,
  problemStatus,
  renderProblemPage,
  renderReplyPage,
  renderThanksPage,
  renderUnsubscribeConfirmPage,
  renderUnsubscribedPage,
  ReplyFormError,
} from './views/reply-page.ts';
import { ReplyTokenError } from '../../shared/answers/reply-token.ts';
import type { AnswerDependencies } from '../../shared/answers/use-cases/answers.ts';
import { UnknownReasonError } from '../../shared/answers/use-cases/answers.ts';
import { checkReply, checkUnsubscribe, openReplyPage, submitReply, unsubscribeByToken, UnknownRequestError, type ReplyPageSettings } from '../../shared/answers/use-cases/reply-page.ts';

const logger = new Logger({ serviceName: 'reply-web' });

export interface ReplyWeb {
  readonly settings: ReplyPageSettings;
  readonly deps: AnswerDependencies;
}
const app = buildApp();

const page = (statusCode: number, body: string): APIGatewayProxyStructuredResultV2 => ({ statusCode, headers: { ...pageHeaders }, body });

/** The client's language from the browser, for pages shown before we know who they are. */
const browserLocale = (event: APIGatewayProxyEventV2): string | undefined => event.headers?.['accept-language']?.split(',')[0]?.split(';')[0]?.trim() || undefined;

/**
 * The reply page: `GET /r/{token}` shows the clinic's reasons (and an earlier answer),
 * `POST /r/{token}` records the answer; `GET /u/{token}` asks to confirm, `POST /u/{token}`
 * unsubscribes (also the one-click POST of RFC 8058). A forged, expired or unknown link gets a
 * friendly page and a 4xx; nothing internal is ever shown. HEAD answers as GET does, without
 * the page. The token is taken from the raw path as it is: a genuine one is base64url with no
 * escapes, so anything with a `%` (a malformed escape included) is an invalid link, never a 500.
 */
export const replyWeb = answeringHead(async (event: APIGatewayProxyEventV2, use: ReplyWeb): Promise<APIGatewayProxyStructuredResultV2> => {
  const method = event.requestContext.http.method;
  const [, kind, token = ''] = /^\/(r|u)\/([^/]*)$/.exec(event.rawPath) ?? [];
  const { settings, deps } = use;
  try {
    if (kind === 'r' && method === 'GET') {
      const data = await openReplyPage(token, settings, deps);
      const previous = data.previous;
      return page(
        200,
        renderReplyPage({
          locale: data.context.locale,
          clinicName: settings.clinicName,
          ...(data.context.firstName && { firstName: data.context.firstName }),
          reasons: data.choices,
          action: `./${token}`,
          unsubscribeAction: `../u/${data.unsubscribeToken}`,
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
    }
    if (kind === 'r' && method === 'POST') {
      const form = parseReplyForm(bodyText(event), event.headers?.['content-type']);
      // Sent with nothing chosen or written: nothing to keep, so the page is shown again (a
      // genuine link's only: a forged or expired one is refused like any other).
      if (!form.reasonId && !form.text?.trim() && !form.callMe && !form.book) {
        await checkReply(token, settings, deps);
        return { statusCode: 303, headers: { ...pageHeaders, location: `./${token}` } };
      }
      const { context, result } = await submitReply(token, form, settings, deps);
      logger.info('reply recorded', { outreachId: context.claims.outreachId, outcome: result.outcome, method: result.answer.method, matched: result.answer.reasonId !== undefined });
      return page(200, renderThanksPage({ locale: context.locale, clinicName: settings.clinicName, updated: result.outcome === 'updated' }));
    }
    if (kind === 'u' && method === 'GET') {
      const context = await checkUnsubscribe(token, settings, deps);
      return page(200, renderUnsubscribeConfirmPage({ locale: context.locale, clinicName: settings.clinicName, action: `./${token}` }));
    }
    if (kind === 'u' && method === 'POST') {
      const context = await unsubscribeByToken(token, settings, deps);
      logger.info('unsubscribed', { outreachId: context.claims.outreachId });
      return page(200, renderUnsubscribedPage({ locale: context.locale, clinicName: settings.clinicName }));
    }
    const locale = browserLocale(event);
    return page(problemStatus['not-found'], renderProblemPage({ ...(locale && { locale }), problem: 'not-found' }));
  } catch (error) {
    const locale = browserLocale(event);
    if (error instanceof ReplyTokenError) {
      logger.info('refused link', { problem: error.problem });
      const problem = error.problem === 'expired' ? 'expired' : 'invalid';
      return page(problemStatus[problem], renderProblemPage({ ...(locale && { locale }), problem }));
    }
    if (error instanceof UnknownRequestError) return page(problemStatus['not-found'], renderProblemPage({ ...(locale && { locale }), problem: 'not-found' }));
    if (error instanceof ReplyFormError) {
      const status = { 'unsupported-media-type': 415, 'too-large': 413, malformed: 400 }[error.problem];
      return page(status, renderProblemPage({ ...(locale && { locale }), problem: 'invalid' }));
    }
    if (error instanceof UnknownReasonError) return page(problemStatus.invalid, renderProblemPage({ ...(locale && { locale }), problem: 'invalid' }));
    logger.error('reply page failed', { error: error as Error });
    throw error;
  }
});

/**
 * Logs carry the invocation's request id. The event is never logged, whatever
 * POWERTOOLS_LOGGER_LOG_EVENT says: its body is what the client wrote, which is personal data.
 */
export const handler = middy(async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => replyWeb(event, await app.replyPage())).use(
  injectLambdaContext(logger, { logEvent: false }),
);
