// docker-compose.yml as the production-like topology it describes: the Temporal Web UI signs people
// in with OIDC and answers on the operators' network only, the server checks every call's token,
// its frontend is not published, and Branchline shows a token of its own. Rendered by Debian's
// docker-compose (offline; no Docker engine needed), whose PyYAML turns the result into JSON.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { identityProviderClients } from '../api/identity-provider.ts';
import { temporalServerVersion, temporalUiVersion } from './temporal-cluster.ts';

const root = join(import.meta.dirname, '..');
const exampleEnv = join(root, 'docker-compose.env.example');
const hasTools = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0
  && spawnSync('python3', ['-c', 'import yaml'], { stdio: 'ignore' }).status === 0;

interface Service {
  image?: string;
  deploy?: { replicas?: number };
  environment?: Record<string, string | number | null>;
  ports?: (string | { published: number; target: number; host_ip?: string })[];
}

/** The environment without any of the identity provider's settings this shell may hold. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(OIDC_|TEMPORAL_|BRANCHLINE_)/.test(key)));
  return { ...env, ...extra };
}

function render(extra: Record<string, string> = {}): Record<string, Service> {
  const rendered = spawnSync('docker-compose', ['--env-file', exampleEnv, 'config'], { cwd: root, env: cleanEnv(extra), encoding: 'utf8' });
  assert.equal(rendered.status, 0, rendered.stderr);
  const json = spawnSync('python3', ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'], { input: rendered.stdout, encoding: 'utf8' });
  return (JSON.parse(json.stdout) as { services: Record<string, Service> }).services;
}

describe('docker-compose.yml', { skip: hasTools ? false : 'docker-compose (with PyYAML) is not installed' }, () => {
  it("will not start without the identity provider's settings, and names the one missing", () => {
    const config = spawnSync('docker-compose', ['config', '--quiet'], { cwd: root, env: cleanEnv(), encoding: 'utf8' });
    assert.notEqual(config.status, 0);
    assert.match(config.stderr, /set (OIDC_ISSUER_URL|OIDC_JWKS_URL|TEMPORAL_UI_OIDC_CLIENT_ID|BRANCHLINE_OIDC_CLIENT_ID) to/);
  });

  it('publishes the Temporal Web UI on loopback only, signing in with OIDC at the identity provider', () => {
    const services = render();
    const ui = services['temporal-ui']!;
    assert.deepEqual(ui.ports, ['127.0.0.1:8233:8080/tcp']);
    assert.equal(ui.environment!['TEMPORAL_AUTH_ENABLED'], 'true');
    assert.equal(ui.environment!['TEMPORAL_AUTH_TYPE'], 'oidc');
    assert.equal(ui.environment!['TEMPORAL_AUTH_PROVIDER_URL'], 'https://idp.example.net/realms/service-provider');
    assert.equal(ui.environment!['TEMPORAL_AUTH_CLIENT_ID'], 'temporal-web-ui');
    assert.equal(ui.environment!['TEMPORAL_AUTH_CALLBACK_URL'], 'http://localhost:8233/auth/sso/callback');
  });

  it("moves the Web UI to the operators' network with TEMPORAL_UI_BIND", () => {
    assert.deepEqual(render({ TEMPORAL_UI_BIND: '10.20.0.5' })['temporal-ui']!.ports, ['10.20.0.5:8233:8080/tcp']);
  });

  it("checks every call's token at the Temporal server, whose frontend is not published", () => {
    const temporal = render()['temporal']!;
    assert.equal(temporal.ports, undefined);
    assert.equal(temporal.environment!['TEMPORAL_AUTH_AUTHORIZER'], 'default');
    assert.equal(temporal.environment!['TEMPORAL_AUTH_CLAIM_MAPPER'], 'default');
    assert.equal(temporal.environment!['TEMPORAL_JWT_KEY_SOURCE1'], 'https://idp.example.net/realms/service-provider/protocol/openid-connect/certs');
    assert.equal(temporal.environment!['TEMPORAL_JWT_PERMISSIONS_CLAIM'], 'permissions');
  });

  it("gives Branchline's api, workers and setup their own client at the same identity provider, and the Web UI's address for SP admins' links", () => {
    const services = render();
    for (const name of ['api', 'worker', 'setup']) {
      const environment = services[name]!.environment!;
      assert.equal(environment['OIDC_ISSUER_URL'], 'https://idp.example.net/realms/service-provider', name);
      assert.equal(environment['TEMPORAL_OAUTH_CLIENT_ID'], 'branchline', name);
      assert.equal(environment['TEMPORAL_UI_URL'], 'http://localhost:8233', name);
    }
  });

  it("names the clients npm run cluster's identity provider has, with the scopes and claim it signs people in with", () => {
    const services = render();
    assert.equal(services['temporal-ui']!.environment!['TEMPORAL_AUTH_CLIENT_ID'], identityProviderClients.webUi);
    assert.equal(services['temporal-ui']!.environment!['TEMPORAL_AUTH_SCOPES'], 'openid,profile,email');
    assert.equal(services['api']!.environment!['TEMPORAL_OAUTH_CLIENT_ID'], identityProviderClients.service);
    assert.equal(services['temporal']!.environment!['TEMPORAL_JWT_PERMISSIONS_CLAIM'], 'permissions');
  });

  it('runs the Temporal server and Web UI that npm run cluster runs, and as many workers', () => {
    const services = render();
    assert.equal(services['temporal']!.image, `temporalio/auto-setup:${temporalServerVersion}`);
    assert.equal(services['temporal-ui']!.image, `temporalio/ui:${temporalUiVersion}`);
    assert.equal(services['worker']!.deploy?.replicas, 3);
  });
});
