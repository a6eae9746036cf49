/**
 * The reply-web function through the local API Gateway on DynamoDB Local: what a client's
 * browser (or mail client) sends, what comes back, and what lands in the tables.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { replyWeb } from '../../../functions/reply-web/handler.ts';
import { answersTable, catalogueTable, clientsTable, followUpsTable, outreachTable, suppressionTable, visitsTable } from '../../../infra/resources.ts';
import { longestAnswerText, pageAnswerId } from '../../../shared/answers/answer.ts';
import { maxReplyTextLength, pageWordings } from '../../../functions/reply-web/views/reply-page.ts';
import { offeredToClients } from '../../../shared/answers/reasons.ts';
import { mergeReasons } from '../../../shared/answers/use-cases/catalogue.ts';
import { replyWebNow, replyWebSecret, serveReplyWeb, type ServedReplyWeb } from '../../support/reply-web.ts';

const el = pageWordings.el!;
const en = pageWordings.en!;
const form = 'application/x-www-form-urlencoded';

const fields = (values: Record<string, string>): string => new URLSearchParams(values).toString();

const escaped = (text: string): string => text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);

/** What a 4xx page must never show: stack frames, error class names, token problems, source paths. */
const internals = [/\bat .+:\d+:\d+/, /Error\b/, /bad-signature|wrong-purpose|malformed/, /\.ts\b/, /node_modules|\/work\//, /\bundefined\b/, /job-/];

/** Everything written to stdout, stderr or the console while `act` runs (Powertools Logger writes JSON lines to stdout). */
const capturingLogs = async <T>(act: () => Promise<T>): Promise<{ result: T; logs: string }> => {
  const logged: string[] = [];
  const keep = (chunk: unknown) => void logged.push(typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
  const spies = [
    ...[process.stdout, process.stderr].map((stream) => {
      const write = stream.write.bind(stream);
      return vi.spyOn(stream, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
        keep(chunk);
        return write(chunk as string, ...(rest as []));
      }) as typeof stream.write);
    }),
    ...(['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => keep(args.map(String).join(' '))),
    ),
  ];
  try {
    return { result: await act(), logs: logged.join('\n') };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
};

interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

describe('the reply-web function behind the local API Gateway', () => {
  let served: ServedReplyWeb;
  const extra: ServedReplyWeb[] = [];

  beforeEach(async () => {
    served = await serveReplyWeb();
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    await Promise.all([served, ...extra.splice(0)].map((s) => s.stop()));
  });

  const request = async (path: string, init: RequestInit = {}, on: ServedReplyWeb = served): Promise<Reply> => {
    const response = await fetch(`${on.origin}${path}`, { redirect: 'manual', ...init });
    return { status: response.status, headers: response.headers, body: await response.text() };
  };
  const get = (path: string, headers: Record<string, string> = {}, on?: ServedReplyWeb) => request(path, { headers }, on);
  const post = (path: string, body: string, contentType: string | undefined = form, headers: Record<string, string> = {}, on?: ServedReplyWeb) =>
    request(path, { method: 'POST', body, headers: { ...(contentType && { 'content-type': contentType }), ...headers } }, on);

  const r = (token: string) => `/r/${token}`;
  const u = (token: string) => `/u/${token}`;
  const answers = () => served.deps.answers.answersOf(served.client.clientId);
  const suppressed = async () => (await served.deps.suppression.suppressed([`client:${served.client.clientId}`])).has(`client:${served.client.clientId}`);

  /** A friendly problem page: the status, HTML with the page's headers, the wording, nothing internal. */
  const expectProblemPage = (reply: Reply, status: number, title: string) => {
    expect(reply.status).toBe(status);
    expect(reply.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(reply.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(reply.headers.get('cache-control')).toBe('no-store');
    expect(reply.body).toContain(`<h1>${escaped(title)}</h1>`);
    for (const pattern of internals) expect(reply.body).not.toMatch(pattern);
  };

  it('shows the client’s reasons in their language, with the headers that keep the page safe', async () => {
    // Act
    const reply = await get(r(served.token('reply')));

    // Assess
    expect(reply.status).toBe(200);
    const catalogue = await served.deps.catalogue.load();
    // What a client can say about themselves: never "passed away".
    const active = catalogue.reasons.filter((reason) => reason.status === 'active' && offeredToClients(reason));
    expect(active.length).toBeGreaterThan(5);
    expect(reply.body).not.toContain('value="deceased"');
    for (const reason of active) {
      expect(reason.labels.el).toMatch(/\p{Script=Greek}/u);
      expect(reply.body).toContain(`<input type="radio" name="reason" value="${reason.id}"><span dir="auto">${escaped(reason.labels.el!)}</span>`);
      expect(reply.body).not.toContain(`>${escaped(reason.labels.en!)}<`);
    }
    expect(reply.body).toContain('<html lang="el" dir="ltr">');
    expect(reply.body).toContain(`<h1>${el.title}</h1>`);
    expect(reply.body).toContain('<bdi>Μαρία</bdi>');
    expect(reply.body).not.toContain('Παππά');
    expect(reply.body).not.toContain(el.previous);

    const csp = reply.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'$/);
    expect(reply.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
    expect(reply.headers.get('cache-control')).toBe('no-store');
    expect(reply.headers.get('referrer-policy')).toBe('no-referrer');
    expect(reply.headers.get('x-frame-options')).toBe('DENY');
    expect(reply.headers.get('strict-transport-security')).toMatch(/^max-age=\d{8,}/);
    expect(reply.headers.get('x-robots-tag')).toContain('noindex');
    // Nothing loaded from anywhere, no script: every URL on the page is a relative form action.
    expect(reply.body).not.toMatch(/<script|<link|<img|<iframe|\bsrc=|\bhref=|https?:|\/\//i);
    expect([...reply.body.matchAll(/action="([^"]*)"/g)].map(([, action]) => new URL(action!, `${served.origin}${r(served.token('reply'))}`).pathname)).toEqual(
      [r(served.token('reply')), u(served.token('unsubscribe'))],
    );
  });

  it.each([
    ['fil', 'tl'],
    ['fil-PH', 'tl'],
    ['tl', 'tl'],
    ['ru-RU', 'ru'],
    ['en-GB', 'en'],
  ])('shows a client whose locale is %s the %s page and reasons', async (locale, language) => {
    // Prepare
    const other = await serveReplyWeb({ clientId: 'c-lang', locale });
    extra.push(other);

    // Act
    const reply = await get(r(other.token('reply')), {}, other);

    // Assess
    const price = (await other.deps.catalogue.load()).reasons.find((reason) => reason.id === 'price')!;
    expect(reply.status).toBe(200);
    expect(reply.body).toContain(`<html lang="${language}" dir="ltr">`);
    expect(reply.body).toContain(`<h1>${escaped(pageWordings[language]!.title)}</h1>`);
    expect(reply.body).toContain(`value="price"><span dir="auto">${escaped(price.labels[language]!)}</span>`);
  });

  it('records the answer, and a second submit updates that same answer instead of adding one', async () => {
    // Prepare
    const link = r(served.token('reply'));

    // Act
    const first = await post(link, fields({ reason: 'price', text: 'Πολύ ακριβό 😕', callMe: 'yes' }));
    const afterFirst = await answers();
    const second = await post(link, fields({ reason: 'schedule' }));
    const replayed = await post(link, fields({ reason: 'schedule' }));

    // Assess
    expect(first.status).toBe(200);
    expect(first.body).toContain(`<h1>${el.thanksTitle}</h1>`);
    expect(first.body).not.toContain(el.updated);
    expect(afterFirst).toEqual([
      expect.objectContaining({
        answerId: pageAnswerId(served.job.jobId),
        channel: 'page',
        outreachId: served.job.jobId,
        episodeId: '2026-05-11',
        reasonId: 'price',
        method: 'chosen',
        text: 'Πολύ ακριβό 😕',
        callMe: true,
        book: false,
      }),
    ]);
    expect((await served.deps.followUps.list('open')).map((followUp) => [followUp.clientId, followUp.kind])).toEqual([['c-1', 'call-back']]);

    expect([second.status, replayed.status]).toEqual([200, 200]);
    expect(second.body).toContain(el.updated);
    const after = await answers();
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({
      answerId: pageAnswerId(served.job.jobId),
      reasonId: 'schedule',
      callMe: false,
      receivedAt: afterFirst[0]!.receivedAt,
      updatedAt: replyWebNow.toISOString(),
    });
    expect(after[0]!.text).toBeUndefined();
  });

  it('shows the earlier choice under the reason a manager has since merged it into', async () => {
    // Prepare
    const link = r(served.token('reply'));
    await post(link, fields({ reason: 'waiting-time' }));
    await mergeReasons('waiting-time', 'schedule', 'manager', served.deps);

    // Act
    const page = await get(link);

    // Assess
    expect(page.body).toContain(el.previous);
    expect(page.body).not.toContain('value="waiting-time"');
    expect(page.body).toContain('<input type="radio" name="reason" value="schedule" checked>');
  });

  it('reads a form API Gateway passed on base64-encoded', async () => {
    // Prepare
    const token = served.token('reply');
    const body = Buffer.from(fields({ reason: 'price', text: 'Ακριβό 💸' })).toString('base64');
    const event = {
      version: '2.0',
      routeKey: 'POST /r/{token}',
      rawPath: `/r/${token}`,
      rawQueryString: '',
      headers: { 'content-type': form },
      requestContext: { http: { method: 'POST', path: `/r/${token}`, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'test' } },
      body,
      isBase64Encoded: true,
    } as unknown as APIGatewayProxyEventV2;

    // Act
    const result = await replyWeb(event, served.use);

    // Assess
    expect(result.statusCode).toBe(200);
    expect(await answers()).toEqual([expect.objectContaining({ reasonId: 'price', text: 'Ακριβό 💸' })]);
  });

  it('refuses a link changed in any one character, with another link’s payload, or signed with another secret', async () => {
    // Prepare
    const token = served.token('reply');
    const dot = token.indexOf('.');
    const oneCharacterChanged = [...token].flatMap((char, at) => (char === '.' ? [] : [token.slice(0, at) + (char === 'A' ? 'B' : 'A') + token.slice(at + 1)]));
    // A signature's last character has spare bits: every other spelling of it is a change too.
    const lastCharacter = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_']
      .map((char) => token.slice(0, -1) + char)
      .filter((changed) => changed !== token);
    const other = served.token('reply', { outreachId: 'job-someone-else' });
    const swapped = `${other.slice(0, other.indexOf('.'))}${token.slice(dot)}`;
    const foreign = served.token('reply', { secret: 'some-other-installation-secret-0123456789' });
    const truncated = token.slice(0, -5);

    // Act
    const statuses = new Map<string, number>();
    for (const changed of [...oneCharacterChanged, ...lastCharacter, swapped, foreign, truncated, '', 'not-a-token'])
      statuses.set(changed, (await get(r(changed))).status);
    const page = await get(r(swapped), { 'accept-language': 'el-GR,el;q=0.9,en;q=0.8' });
    const english = await get(r(foreign));
    const posted = await post(r(swapped), fields({ reason: 'price', text: 'κάτι' }));
    const empty = await post(r(swapped), '');

    // Assess
    expect(oneCharacterChanged).toHaveLength(token.length - 1);
    expect([...statuses].filter(([, status]) => status !== 400)).toEqual([]);
    expectProblemPage(page, 400, el.problems.invalid.title);
    expect(page.body).toContain('<html lang="el"');
    expectProblemPage(english, 400, en.problems.invalid.title);
    expectProblemPage(posted, 400, en.problems.invalid.title);
    // Even with nothing filled in, a forged link is refused rather than sent back to itself.
    expectProblemPage(empty, 400, en.problems.invalid.title);
    expect(empty.headers.get('location')).toBeNull();
    expect(await answers()).toEqual([]);
  });

  it('says an expired link has expired (410), and does nothing with it', async () => {
    // Prepare
    const expiresAt = Math.floor(replyWebNow.getTime() / 1000) - 60;
    const reply = served.token('reply', { expiresAt });
    const unsubscribe = served.token('unsubscribe', { expiresAt });

    // Act
    const replies = [
      await get(r(reply)),
      await post(r(reply), fields({ reason: 'price' })),
      await get(u(unsubscribe)),
      await post(u(unsubscribe), 'List-Unsubscribe=One-Click'),
    ];

    // Assess
    for (const page of replies) expectProblemPage(page, 410, en.problems.expired.title);
    expect(await answers()).toEqual([]);
    expect(await suppressed()).toBe(false);
  });

  it('does one thing per link: a reply link does not unsubscribe, an unsubscribe link does not answer', async () => {
    // Act
    const replyOnU = [await get(u(served.token('reply'))), await post(u(served.token('reply')), 'List-Unsubscribe=One-Click')];
    const unsubscribeOnR = [await get(r(served.token('unsubscribe'))), await post(r(served.token('unsubscribe')), fields({ reason: 'price' }))];

    // Assess
    for (const page of [...replyOnU, ...unsubscribeOnR]) expectProblemPage(page, 400, en.problems.invalid.title);
    expect(await suppressed()).toBe(false);
    expect(await answers()).toEqual([]);
  });

  it('answers 404 for a genuine link to a request we have no record of', async () => {
    // Prepare
    const reply = served.token('reply', { outreachId: 'job-withdrawn' });
    const unsubscribe = served.token('unsubscribe', { outreachId: 'job-withdrawn' });

    // Act
    const pages = [
      await get(r(reply)),
      await post(r(reply), fields({ reason: 'price' })),
      await get(u(unsubscribe)),
      await post(u(unsubscribe), 'List-Unsubscribe=One-Click'),
    ];

    // Assess
    for (const page of pages) expectProblemPage(page, 404, en.problems['not-found'].title);
    expect(await answers()).toEqual([]);
    expect(await suppressed()).toBe(false);
  });

  it('sends an empty submission back to the page (303) and records nothing', async () => {
    // Prepare
    const link = r(served.token('reply'));

    // Act
    const replies = [await post(link, ''), await post(link, fields({ reason: '', text: ' \r\n\t ' })), await post(link, 'unrelated=field')];

    // Assess
    for (const reply of replies) {
      expect(reply.status).toBe(303);
      expect(new URL(reply.headers.get('location')!, `${served.origin}${link}`).href).toBe(`${served.origin}${link}`);
      expect(reply.headers.get('cache-control')).toBe('no-store');
    }
    expect(await answers()).toEqual([]);
    expect(await served.deps.followUps.list('open')).toEqual([]);
  });

  it('keeps markup in the text and the client’s name exactly as given, and shows it escaped when the page is opened again', async () => {
    // Prepare
    const markup = `<script>alert(1)</script>"'><img src=x onerror=alert(1)>`;
    const name = `<img/src=x/onerror=alert(2)>Μαρία&amp; Παππά`;
    const clinicName = `<b onclick="alert(3)">Harbour</b> & Co`;
    const other = await serveReplyWeb({ clientId: 'c-xss', name }, clinicName);
    extra.push(other);
    const link = r(other.token('reply'));

    // Act
    const posted = await post(link, fields({ reason: 'waiting-time', text: markup, book: 'yes' }), form, {}, other);
    const page = await get(link, {}, other);

    // Assess
    expect(posted.status).toBe(200);
    expect(await other.deps.answers.answersOf('c-xss')).toEqual([expect.objectContaining({ text: markup, reasonId: 'waiting-time', book: true })]);
    expect((await other.deps.clients.getClient('c-xss'))?.profile.name).toBe(name);
    expect(page.status).toBe(200);
    expect(page.body).toContain(el.previous);
    expect(page.body).toContain(`<textarea id="text" name="text" maxlength="${maxReplyTextLength}" rows="4" dir="auto">${escaped(markup)}</textarea>`);
    expect(page.body).toContain('<input type="radio" name="reason" value="waiting-time" checked>');
    expect(page.body).toMatch(/<input type="checkbox" name="book" value="yes" checked>/);
    expect(page.body).not.toMatch(/<input type="checkbox" name="callMe" value="yes" checked>/);
    expect(page.body).toContain(`<bdi>${escaped('<img/src=x/onerror=alert(2)>Μαρία&amp;')}</bdi>`);
    expect(page.body).toContain(`<bdi>${escaped(clinicName)}</bdi>`);
    // No markup of theirs survives as markup.
    expect(page.body).not.toMatch(/<script|<img|<b[\s>]/);
    expect(page.body.match(/<[a-z]+[^>]*\son[a-z]+=/gi)).toBeNull();
  });

  it.each([
    ['Greek', 'ο σκύλος μου δεν του αρέσει το ασανσέρ και η γάτα φοβάται τη σκάλα ', 600],
    ['Russian', 'моя собака боится лифта а кошка не любит лестницу ', 600],
    ['Georgian', 'ჩემს ძაღლს ლიფტი არ უყვარს და კატას კიბე ეშინია ', 600],
    ['Bengali', 'আমার কুকুর লিফট পছন্দ করে না আর বিড়াল সিঁড়ি ভয় পায় ', 600],
    ['Georgian, longer than the page keeps', 'ჩემს ძაღლს ლიფტი არ უყვარს და კატას კიბე ეშინია ', longestAnswerText + 500],
  ])('takes a long answer in %s, once however often it is sent, and puts it among the pending answers', async (_, words, length) => {
    // Prepare
    const text = [...words.repeat(Math.ceil(length / [...words].length))].slice(0, length).join('').trim();
    const link = r(served.token('reply'));
    expect(Buffer.byteLength(text)).toBeGreaterThan(1024);

    // Act
    const first = await post(link, fields({ text }));
    const second = await post(link, fields({ text }));

    // Assess
    expect([first.status, second.status]).toEqual([200, 200]);
    const stored = await answers();
    expect(stored).toHaveLength(1);
    const cut = [...text].length > longestAnswerText;
    expect(stored[0]).toMatchObject({
      text: [...text].slice(0, longestAnswerText).join(''),
      method: 'none',
      ...(cut && { truncated: true, textLength: [...text].length }),
    });
    expect(cut || stored[0]!.truncated === undefined).toBe(true);
    expect(await served.deps.catalogue.candidates()).toEqual([
      expect.objectContaining({ text: stored[0]!.candidate, answers: 1, ...(cut && { truncated: true }) }),
    ]);
  });

  it('opts the client out of every channel when the text box asks us to stop', async () => {
    // Act
    const posted = await post(r(served.token('reply')), fields({ reason: 'price', text: 'Μη μου ξαναστείλετε, παρακαλώ.' }));

    // Assess
    expect(posted.status).toBe(200);
    expect(await answers()).toEqual([expect.objectContaining({ reasonId: 'price', optedOut: true })]);
    expect(await served.deps.suppression.suppressed(['client:c-1', 'email:maria@example.com'])).toEqual(new Set(['client:c-1', 'email:maria@example.com']));
  });

  it('refuses a reason that is not in the catalogue, and a badly formed one (400)', async () => {
    // Prepare
    const link = r(served.token('reply'));

    // Act
    const unknown = await post(link, fields({ reason: 'free-parking', text: 'x' }));
    const malformed = await post(link, fields({ reason: '<b>price</b>' }));
    const twice = await post(link, 'reason=price&reason=schedule');

    // Assess
    for (const page of [unknown, malformed, twice]) expectProblemPage(page, 400, en.problems.invalid.title);
    expect(unknown.body).not.toContain('free-parking');
    expect(await answers()).toEqual([]);
  });

  it('refuses an oversize body (413) and a body that is not a form (415)', async () => {
    // Prepare
    const link = r(served.token('reply'));
    const multipart = new FormData();
    multipart.set('reason', 'price');

    // Act
    const oversize = await post(link, fields({ reason: 'price', text: 'ω'.repeat(20_000) }));
    const json = await post(link, JSON.stringify({ reason: 'price' }), 'application/json');
    const plain = await post(link, 'reason=price', 'text/plain');
    const latin1 = await post(link, 'reason=price', `${form}; charset=iso-8859-1`);
    const asMultipart = await request(link, { method: 'POST', body: multipart });

    // Assess
    expectProblemPage(oversize, 413, en.problems.invalid.title);
    for (const page of [json, plain, latin1, asMultipart]) expectProblemPage(page, 415, en.problems.invalid.title);
    expect(await answers()).toEqual([]);
  });

  it('asks before unsubscribing on a GET, and unsubscribes on the one-click POST of RFC 8058', async () => {
    // Prepare
    const link = u(served.token('unsubscribe'));

    // Act
    const confirm = await get(link);
    const suppressedAfterGet = await suppressed();
    const oneClick = await post(link, 'List-Unsubscribe=One-Click');
    // RFC 8058 prefers multipart/form-data; a mail client may also send it twice.
    const multipart = new FormData();
    multipart.set('List-Unsubscribe', 'One-Click');
    const again = await request(link, { method: 'POST', body: multipart });

    // Assess
    expect(confirm.status).toBe(200);
    expect(confirm.body).toContain(`<h1>${el.confirmTitle}</h1>`);
    expect(confirm.body).toContain(`<form method="post" action="./${served.token('unsubscribe')}">`);
    expect(suppressedAfterGet).toBe(false);
    expect(oneClick.status).toBe(200);
    expect(oneClick.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(oneClick.body).toContain(`<h1>${el.unsubscribedTitle}</h1>`);
    expect(again.status).toBe(200);
    expect(again.body).toContain(`<h1>${el.unsubscribedTitle}</h1>`);
    expect(await suppressed()).toBe(true);
    expect(await answers()).toEqual([expect.objectContaining({ channel: 'page', optedOut: true, outreachId: served.job.jobId })]);
  });

  it('unsubscribes from the button on the reply page itself', async () => {
    // Prepare
    const link = `${served.origin}${r(served.token('reply'))}`;
    const page = await get(r(served.token('reply')));
    const action = /<form class="unsub" method="post" action="([^"]+)">/.exec(page.body)?.[1];

    // Act
    const unsubscribed = await fetch(new URL(action!, link), { method: 'POST', headers: { 'content-type': form }, body: '', redirect: 'manual' });

    // Assess
    expect(unsubscribed.status).toBe(200);
    expect(await unsubscribed.text()).toContain(el.unsubscribedTitle);
    expect(await suppressed()).toBe(true);
  });

  it('never writes the client’s words to its logs', async () => {
    // Prepare
    const words = 'Ο γιατρός μου ήταν αγενής, λέξη-δείκτης-7f3a';
    const link = r(served.token('reply'));

    // Act
    const { result: statuses, logs } = await capturingLogs(async () => [
      (await post(link, fields({ text: words }))).status,
      (await post(link, fields({ reason: 'price', text: words, callMe: 'yes' }))).status,
      (await post(link, fields({ reason: 'no-such-reason', text: words }))).status,
      (await post(r(served.token('reply', { expiresAt: 1 })), fields({ text: words }))).status,
      (await post(r(`${served.token('reply').slice(0, -3)}AAA`), fields({ text: words }))).status,
      (await post(link, fields({ text: `${words} ${'λ'.repeat(20_000)}` }))).status,
      (await post(u(served.token('unsubscribe')), 'List-Unsubscribe=One-Click')).status,
    ]);

    // Assess
    expect(statuses).toEqual([200, 200, 400, 410, 400, 413, 200]);
    // The function did log (so the capture works), by identifiers only.
    expect(logs).toContain('reply recorded');
    expect(logs).toContain('unsubscribed');
    expect(logs).toContain(served.job.jobId);
    expect(logs).not.toContain('λέξη-δείκτης');
    expect(logs).not.toContain(encodeURIComponent('λέξη-δείκτης'));
    expect(logs).not.toContain('αγενής');
    expect(logs).not.toContain('Μαρία');
    expect(logs).not.toContain(served.client.email!);
  });
});

describe('the deployed reply-web handler (middy, settings from the environment)', () => {
  let served: ServedReplyWeb | undefined;

  afterEach(async () => {
    vi.unstubAllEnvs();
    vi.resetModules();
    await served?.stop();
  });

  it('logs with the invocation’s request id, and never the request and its body, even when POWERTOOLS_LOGGER_LOG_EVENT asks for events', async () => {
    // Prepare: the tables and secret a deployed function would be given.
    served = await serveReplyWeb();
    const { tables } = served;
    for (const [table, name] of [
      [answersTable, tables.answers],
      [catalogueTable, tables.catalogue],
      [followUpsTable, tables.followUps],
      [outreachTable, tables.outreach],
      [suppressionTable, tables.suppression],
      [clientsTable, tables.clients],
      [visitsTable, tables.visits],
    ] as const)
      vi.stubEnv(table.envVar, name);
    vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', inject('dynamoEndpoint'));
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    vi.stubEnv('CLINIC_NAME', 'Harbour Clinic');
    vi.stubEnv('REPLY_SECRET', replyWebSecret);
    vi.stubEnv('REPLY_SECRET_PARAMETER', '');
    vi.stubEnv('POWERTOOLS_LOGGER_LOG_EVENT', 'true');
    vi.resetModules();
    const { handler } = await import('../../../functions/reply-web/handler.ts');
    const words = 'Μου φέρθηκαν άσχημα, λέξη-δείκτης-91c2';
    // The deployed handler keeps real time.
    const token = served.token('reply', { expiresAt: Math.floor(Date.now() / 1000) + 86_400 });
    const body = fields({ reason: 'staff-attitude', text: words });
    const event = {
      version: '2.0',
      routeKey: 'POST /r/{token}',
      rawPath: `/r/${token}`,
      rawQueryString: '',
      headers: { 'content-type': form, 'accept-language': 'el' },
      pathParameters: { token },
      requestContext: {
        http: { method: 'POST', path: `/r/${token}`, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'test' },
        requestId: 'req-1',
        routeKey: 'POST /r/{token}',
        stage: '$default',
      },
      body,
      isBase64Encoded: false,
    } as unknown as APIGatewayProxyEventV2;
    const context = {
      functionName: 'reply-web',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:reply-web',
      memoryLimitInMB: '256',
      awsRequestId: 'aws-req-1',
      getRemainingTimeInMillis: () => 10_000,
    } as unknown as Context;

    // Act
    const { result, logs } = await capturingLogs(() => handler(event, context) as Promise<APIGatewayProxyStructuredResultV2>);

    // Assess
    expect(result.statusCode).toBe(200);
    expect(await served.deps.answers.answersOf('c-1')).toEqual([expect.objectContaining({ reasonId: 'staff-attitude', text: words })]);
    expect(logs).toContain('reply recorded');
    expect(logs).toContain('aws-req-1');
    expect(logs).not.toContain('λέξη-δείκτης');
    expect(logs).not.toContain(encodeURIComponent('λέξη-δείκτης'));
  });
});
