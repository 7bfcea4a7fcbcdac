import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttp2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Connection } from '@temporalio/client';
import { ConfigError, loadConfig } from './config.ts';
import { clientConnectionOptions, ServiceToken, temporalAccess } from './temporal-access.ts';

/** An identity provider on loopback: discovery, and a token endpoint answering as `answer` says. */
class FakeIdentityProvider {
  readonly requests: { authorization: string | undefined; form: URLSearchParams }[] = [];
  answer: (count: number) => { status: number; body: object } = (count) => ({ status: 200, body: { access_token: `token-${count}`, token_type: 'Bearer', expires_in: 300 } });
  private server!: Server;
  issuer = '';

  async start() {
    this.server = createServer(async (req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      if (req.url === '/realms/sp/.well-known/openid-configuration') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ issuer: this.issuer, token_endpoint: `${this.issuer}/token` }));
        return;
      }
      if (req.url === '/realms/sp/token' && req.method === 'POST') {
        this.requests.push({ authorization: req.headers.authorization, form: new URLSearchParams(Buffer.concat(chunks).toString()) });
        const { status, body } = this.answer(this.requests.length);
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
        return;
      }
      res.writeHead(404).end();
    });
    this.server.listen(0, '127.0.0.1');
    await new Promise((resolve) => this.server.once('listening', resolve));
    this.issuer = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/realms/sp`;
  }

  stop() {
    return new Promise((resolve) => this.server.close(resolve));
  }
}

const quiet = { warn: () => undefined };

describe("Branchline's access to Temporal", () => {
  const idp = new FakeIdentityProvider();
  before(() => idp.start());
  after(() => idp.stop());

  const client = () => ({ issuerUrl: idp.issuer, clientId: 'branchline service', clientSecret: 's3cret:with&marks', scope: 'temporal' });

  it('asks the identity provider for a token with its client credentials (client_secret_basic), found through discovery', async () => {
    idp.requests.length = 0;
    const token = await ServiceToken.obtain(client(), quiet);
    token.close();
    assert.equal(token.current, 'token-1');
    const [request] = idp.requests;
    assert.equal(request!.form.get('grant_type'), 'client_credentials');
    assert.equal(request!.form.get('scope'), 'temporal');
    const [id, secret] = Buffer.from(request!.authorization!.replace(/^Basic /, ''), 'base64').toString().split(':');
    assert.deepEqual([decodeURIComponent(id!), decodeURIComponent(secret!)], ['branchline service', 's3cret:with&marks']);
  });

  it('renews the token before it expires and hands the new one on', async () => {
    idp.requests.length = 0;
    idp.answer = (count) => ({ status: 200, body: { access_token: `short-${count}`, expires_in: 2 } });
    const token = await ServiceToken.obtain(client(), quiet);
    const renewed = new Promise<string>((resolve) => token.onRenewal(resolve));
    try {
      assert.equal(token.current, 'short-1');
      assert.equal(await renewed, 'short-2');
      assert.equal(token.current, 'short-2');
    } finally {
      token.close();
    }
  });

  it('when the identity provider refuses, does not start, and says why and which variables to check', async () => {
    idp.answer = () => ({ status: 401, body: { error: 'invalid_client', error_description: 'Invalid client credentials' } });
    await assert.rejects(ServiceToken.obtain(client(), quiet), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /refused client branchline service a token \(401 invalid_client: Invalid client credentials\)/);
      assert.match(error.message, /OIDC_ISSUER_URL, TEMPORAL_OAUTH_CLIENT_ID and TEMPORAL_OAUTH_CLIENT_SECRET/);
      return true;
    });
  });

  it('connects without a token, in plain gRPC, unless configured otherwise', async () => {
    const access = await temporalAccess(loadConfig({}), quiet);
    assert.deepEqual(clientConnectionOptions('temporal:7233', access), { address: 'temporal:7233', tls: false });
    assert.deepEqual(clientConnectionOptions('temporal:7233', await temporalAccess(loadConfig({ TEMPORAL_TLS: 'true' }), quiet)).tls, {});
  });

  it('hands Temporal the token current at each call, as a bearer token over plain gRPC', async () => {
    // A stand-in for Temporal's frontend: it notes each call's authorization and declines it.
    const seen: (string | undefined)[] = [];
    const frontend = createHttp2Server();
    frontend.on('stream', (stream, headers) => {
      seen.push(headers.authorization);
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12', 'grpc-message': 'not here' }, { endStream: true });
    });
    frontend.listen(0, '127.0.0.1');
    await new Promise((resolve) => frontend.once('listening', resolve));
    idp.answer = (count) => ({ status: 200, body: { access_token: `token-${count}`, expires_in: 2 } });
    const access = await temporalAccess(loadConfig({ OIDC_ISSUER_URL: idp.issuer, TEMPORAL_OAUTH_CLIENT_ID: 'branchline', TEMPORAL_OAUTH_CLIENT_SECRET: 'secret' }), quiet);
    const renewed = new Promise((resolve) => access.token!.onRenewal(resolve));
    const connection = await Connection.connect(clientConnectionOptions(`127.0.0.1:${(frontend.address() as AddressInfo).port}`, access));
    try {
      const first = access.token!.current;
      await connection.workflowService.getSystemInfo({}).catch(() => undefined);
      await renewed;
      await connection.workflowService.getSystemInfo({}).catch(() => undefined);
      assert.deepEqual(seen.slice(-2), [`Bearer ${first}`, `Bearer ${access.token!.current}`]);
      assert.notEqual(first, access.token!.current);
    } finally {
      access.token!.close();
      await connection.close();
      frontend.close();
    }
  });

  it('refuses a client id without its secret or the identity provider', () => {
    assert.throws(() => loadConfig({ TEMPORAL_OAUTH_CLIENT_ID: 'branchline' }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /TEMPORAL_OAUTH_CLIENT_SECRET: must be set too/);
      assert.match(error.message, /OIDC_ISSUER_URL: must be set too/);
      return true;
    });
  });
});
