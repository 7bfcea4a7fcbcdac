// Every route is declared once, with the zod schemas that validate it; the same declaration
// registers the operation in the OpenAPI document, so the document cannot drift from the code.
import { extendZodWithOpenApi, OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { NextFunction, Request, Response, Router } from 'express';
import { z } from 'zod';

extendZodWithOpenApi(z);

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

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
}

export interface Route<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType> {
  method: Method;
  /** Express-style path relative to the router, for example `/sites/:siteId`. */
  path: string;
  summary: string;
  tags: string[];
  params?: P;
  query?: Q;
  body?: B;
  /** The success status and the schema of its body. */
  status?: number;
  response: R;
  handler: (input: RouteInput<z.infer<P>, z.infer<Q>, z.infer<B>>, req: Request, res: Response) => Promise<z.infer<R>>;
}

export class ApiDefinition {
  readonly registry = new OpenAPIRegistry();

  constructor(readonly basePath: string) {}

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
    this.registry.registerPath({
      method: route.method,
      path: this.basePath + route.path.replace(/:(\w+)/g, '{$1}'),
      summary: route.summary,
      tags: route.tags,
      request,
      responses: {
        [status]: { description: route.summary, content: { 'application/json': { schema: route.response } } },
        default: { description: 'An error, as RFC 9457 problem details', content: { 'application/problem+json': { schema: problemSchema } } },
      },
    });
    router[route.method](route.path, async (req: Request, res: Response, next: NextFunction) => {
      try {
        // Parsed values only from here on: handlers never read req.params/query/body.
        const input = {
          params: (route.params ? route.params.parse(req.params) : {}) as z.infer<P>,
          query: (route.query ? route.query.parse(req.query) : {}) as z.infer<Q>,
          body: (route.body ? route.body.parse(req.body ?? {}) : undefined) as z.infer<B>,
        };
        const result = await route.handler(input, req, res);
        if (!res.headersSent) res.status(status).json(result);
      } catch (error) {
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
