// Every route is declared once, with the zod schemas that validate it; the same declaration
// registers the operation in the OpenAPI document, so the document cannot drift from the code.
import { extendZodWithOpenApi, OpenAPIRegistry, OpenApiGeneratorV31, zodToOpenAPIRegistry, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import { z } from 'zod';
import { cookieValue, sessionCookie, type Authenticate } from './access/authenticate.ts';
import { holdAuditForAnswer, type AuditRow } from './audit.ts';
import type { Action, ObjectType } from '../domain/permissions.ts';
import { stepSchema } from '../domain/progress.ts';
import { anonymous, forbidden, type Principal } from './access/principal.ts';
import { addressKey, type FailureThrottle, type RateLimiter } from './access/throttle.ts';
import { IdempotencyKeys } from './idempotency.ts';
import { nulCharacterErrors } from './nul-character.ts';
import { useOperatorMessages } from './schemas/messages.ts';
import { HttpProblem, problems } from './problems.ts';

extendZodWithOpenApi(z);
useOperatorMessages();

/**
 * Names a schema in the document: one component, which every use of that very schema refers to.
 * For the schemas the API shares with the workflows and the UI (domain/): plain zod, made without
 * this library and perhaps before it extended zod, they have no `.openapi(name)` of their own.
 */
export function named<T extends z.ZodType>(name: string, schema: T): T {
  const metadata = zodToOpenAPIRegistry.get(schema);
  zodToOpenAPIRegistry.add(schema, { ...metadata, _internal: { ...metadata?._internal, refId: name } });
  return schema;
}

/** A step of any run that reports its progress step by step: every run's progress refers to this one. */
named('Step', stepSchema);

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

const methods = ['get', 'post', 'put', 'patch', 'delete'] as const;
type Method = (typeof methods)[number];

/** The header every POST may carry. */
const idempotencyHeaders = z.object({
  'idempotency-key': z.string().max(200, 'is at most 200 characters').optional()
    .describe('Sent again with the same request, gets the first answer back instead of doing the work twice'),
});

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** Who calls; on a public route, an anonymous principal holding no grant. */
  principal: Principal;
}

/**
 * Who may call a route. An object type and action: signed in, and holding that permission on some
 * tenant (the handler then checks the object's own tenant). `signed-in`: anyone signed in.
 * `public`: devices and ITSM systems, which prove themselves otherwise (activation code, signature).
 */
export type Access = { type: ObjectType; action: Action } | 'signed-in' | 'public' | SignedAccess;

/** A route whose caller signs each request instead of signing in (ITSM): `verify` finds its principal. */
export interface SignedAccess {
  verify: (req: Request) => Promise<Principal>;
  /**
   * The id the sender gives each request and keeps across its retries (Standard Webhooks'
   * webhook-id): its idempotency key, spent only with a 2xx answer, which a resend gets back.
   */
  requestId: (req: Request) => string | undefined;
}

/** What every route needs to guard itself: the same for the whole API. */
export interface Guards {
  authenticate: Authenticate;
  limiter: RateLimiter;
  /** Refused credentials (tokens, session cookies, signatures) per address: past its limit, the address waits. */
  authFailures: FailureThrottle;
  idempotency: IdempotencyKeys;
}

/** Whether the request offered something to authenticate with, as opposed to nothing at all. */
const offersCredentials = (req: Request) =>
  !!req.headers.authorization || cookieValue(req, sessionCookie) !== undefined || !!req.get('webhook-signature');

const tooManyRequests = (res: Response, retryAfterSeconds: number, detail: string) => {
  res.setHeader('Retry-After', String(retryAfterSeconds));
  return new HttpProblem(429, 'rate-limited', 'Too many requests', detail, { retryAfterSeconds });
};

/** The body as it arrived, kept by the JSON parser for signatures and idempotency. */
export const rawBodyOf = (req: Request): Buffer | undefined => (req as Request & { rawBody?: Buffer }).rawBody;

export interface Route<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType> {
  method: Method;
  /** Express-style path relative to the router, for example `/sites/:siteId`. */
  path: string;
  summary: string;
  tags: string[];
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  /** Headers the route reads, with their limits: checked before anything else, the caller's identity included. */
  headers?: z.ZodObject;
  /** The success status and the schema of its body. */
  status?: number;
  /** What the success body is, when not JSON (server-sent events). */
  contentType?: string;
  response: R;
  /** Returns the body; a handler that answers by itself (204, a stream) returns nothing. */
  handler: (input: RouteInput<z.infer<P>, z.infer<Q>, z.infer<B>>, req: Request, res: Response) => Promise<z.infer<R> | void>;
}

export class ApiDefinition {
  readonly registry = new OpenAPIRegistry();
  /** Every route, as declared: the isolation test walks them all. */
  readonly routes: { method: Method; path: string; access: Access; params: string[] }[] = [];

  constructor(readonly basePath: string, private readonly guards: Guards) {
    this.registry.registerComponent('securitySchemes', 'apiToken', { type: 'http', scheme: 'bearer', description: 'An API token (bl_…), scoped to a tenant and a role' });
    this.registry.registerComponent('securitySchemes', 'signature', { type: 'apiKey', in: 'header', name: 'webhook-signature', description: 'HMAC-SHA256 in the Standard Webhooks style, with webhook-id and webhook-timestamp' });
    this.registry.registerComponent('securitySchemes', 'session', { type: 'apiKey', in: 'cookie', name: 'branchline_session', description: "A person's session, from POST /api/v1/session" });
  }

  /**
   * Finds the caller. Refused credentials count against the caller's address (its network, see
   * addressKey); past the limit the address waits before anything from it is checked again, so
   * tokens and signatures cannot be guessed at the rate limit's pace.
   */
  private async authenticated(access: Exclude<Access, 'public'>, req: Request, res: Response): Promise<Principal> {
    const address = addressKey(req.ip);
    const wait = this.guards.authFailures.waitSeconds(address);
    if (wait > 0) throw tooManyRequests(res, wait, `Too many refused credentials from your network: try again in ${wait} s.`);
    try {
      return typeof access === 'object' && 'verify' in access ? await access.verify(req) : await this.guards.authenticate(req);
    } catch (error) {
      if (error instanceof HttpProblem && error.status === 401 && offersCredentials(req)) this.guards.authFailures.fail(address);
      throw error;
    }
  }

  /** Authenticates, applies the caller's rate limit and checks the route's permission. */
  private async admit(access: Access, req: Request, res: Response): Promise<Principal> {
    const principal = access === 'public' ? anonymous(req.ip ?? 'unknown') : await this.authenticated(access, req, res);
    const limit = this.guards.limiter.take(principal.limitKey);
    if (!limit.ok) throw tooManyRequests(res, limit.retryAfterSeconds, `Slow down: try again in ${limit.retryAfterSeconds} s.`);
    if (typeof access === 'object' && 'type' in access && !principal.canSomewhere(access.type, access.action)) {
      throw forbidden(`Your role may not ${access.action} ${access.type} objects.`);
    }
    return principal;
  }

  /** Mounts a route on the router and records it in the OpenAPI document. */
  route<P extends z.ZodType = z.ZodObject, Q extends z.ZodType = z.ZodObject, B extends z.ZodType = z.ZodUnknown, R extends z.ZodType = z.ZodUnknown>(
    router: Router,
    route: Route<P, Q, B, R>,
  ): void {
    const status = route.status ?? 200;
    const request: RouteConfig['request'] = {};
    if (route.params) request.params = route.params as never;
    if (route.query) request.query = route.query as never;
    if (route.body) request.body = { required: true, content: { 'application/json': { schema: route.body } } };
    const headers = route.method === 'post' ? idempotencyHeaders.extend(route.headers?.shape ?? {}) : route.headers;
    if (headers) request.headers = headers as never;
    this.routes.push({ method: route.method, path: route.path, access: route.access, params: [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]!) });
    this.registry.registerPath({
      method: route.method,
      path: this.basePath + route.path.replace(/:(\w+)/g, '{$1}'),
      summary: route.summary,
      tags: route.tags,
      security: route.access === 'public' ? [] : typeof route.access === 'object' && 'verify' in route.access ? [{ signature: [] }] : [{ apiToken: [] }, { session: [] }],
      request,
      responses: {
        [status]: status === 204
          ? { description: route.summary }
          : { description: route.summary, content: { [route.contentType ?? 'application/json']: { schema: route.response } } },
        default: { description: 'An error, as RFC 9457 problem details', content: { 'application/problem+json': { schema: problemSchema } } },
      },
    });
    const template = this.basePath + route.path;
    router[route.method](route.path, async (req: Request, res: Response, next: NextFunction) => {
      // Metrics and traces name the request by its route, not by its ids.
      res.locals['routeTemplate'] = template;
      let claimed: { actor: string; key: string; audit: AuditRow[] } | undefined;
      try {
        // Input no handler could store is refused before the caller is even looked up, so it reaches no database.
        if (headers) headers.parse(req.headers);
        const nul = [...nulCharacterErrors(req.params), ...nulCharacterErrors(req.query), ...nulCharacterErrors(req.body)];
        if (nul.length > 0) throw problems.validation(nul);
        const principal = await this.admit(route.access, req, res);
        // Parsed values only from here on: handlers never read req.params/query/body.
        const input = {
          params: (route.params ? route.params.parse(req.params) : {}) as z.infer<P>,
          query: (route.query ? route.query.parse(req.query) : {}) as z.infer<Q>,
          body: (route.body ? route.body.parse(req.body ?? {}) : undefined) as z.infer<B>,
          principal,
        };
        const signed = typeof route.access === 'object' && 'verify' in route.access ? route.access : undefined;
        const key = req.method !== 'POST' ? undefined : signed ? signed.requestId(req) : req.get('idempotency-key');
        if (key) {
          const hash = IdempotencyKeys.requestHash(req.method, req.originalUrl, rawBodyOf(req));
          const kept = await this.guards.idempotency.claim(principal.key, key, req.method, req.originalUrl, hash);
          if (kept) {
            if (kept.location) res.location(kept.location);
            res.setHeader('Idempotent-Replayed', 'true');
            res.status(kept.status).json(kept.body);
            return;
          }
          // The run's audit entry is written with the answer, in its statement.
          claimed = { actor: principal.key, key, audit: holdAuditForAnswer(req) };
        }
        const result = await route.handler(input, req, res);
        if (claimed) {
          const location = res.getHeader('location');
          await this.guards.idempotency.complete(claimed.actor, claimed.key, { status, location: typeof location === 'string' ? location : null, body: result ?? null }, claimed.audit);
          claimed = undefined;
        }
        if (!res.headersSent) res.status(status).json(result);
      } catch (error) {
        if (claimed) await this.guards.idempotency.release(claimed.actor, claimed.key, claimed.audit).catch(() => undefined);
        next(error);
      }
    });
  }

  document(info: { title: string; version: string; description: string }) {
    return new OpenApiGeneratorV31(this.registry.definitions).generateDocument({
      openapi: '3.1.0',
      info,
      servers: [{ url: '/' }],
    });
  }
}

/**
 * Answers what no route took: where the document has the path under other methods, 405 with the
 * methods it does take in Allow; where it has no such path, 404.
 */
export function unmatchedRoute(document: { paths?: Record<string, object> }): RequestHandler {
  const known = Object.entries(document.paths ?? {}).map(([path, operations]) => ({
    // `{siteId}` is one path segment; Express routes without regard to case or a trailing slash.
    pattern: new RegExp(`^${path.split(/\{\w+\}/).map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')).join('[^/]+')}/?$`, 'i'),
    methods: Object.keys(operations).filter((name): name is Method => (methods as readonly string[]).includes(name)).map((name) => name.toUpperCase()),
  }));
  return (req, res, next) => {
    const path = req.baseUrl + req.path;
    const allowed = new Set(known.filter((entry) => entry.pattern.test(path)).flatMap((entry) => entry.methods));
    if (allowed.size === 0 || allowed.has(req.method)) return next(problems.notFound(`Route ${req.method} ${path}`));
    // Express answers HEAD wherever it answers GET.
    if (allowed.has('GET')) allowed.add('HEAD');
    const allow = [...allowed].sort();
    res.setHeader('Allow', allow.join(', '));
    next(problems.methodNotAllowed(req.method, path, allow));
  };
}
