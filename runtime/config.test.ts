import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, loadServiceConfig } from './config.ts';

describe('loadConfig', () => {
  it('runs on embedded defaults when nothing is set', () => {
    const config = loadConfig({});
    assert.equal(config.PORT, 8080);
    assert.equal(config.TEMPORAL_UI_PORT, 8233);
    assert.equal(config.DATABASE_URL, undefined);
    assert.equal(config.TEMPORAL_ADDRESS, undefined);
    assert.equal(config.publicUrl, 'http://localhost:8080');
    assert.equal(config.temporalUiUrl, 'http://localhost:8233');
  });

  it('treats an empty variable as unset', () => {
    assert.equal(loadConfig({ DATABASE_URL: '', TEMPORAL_ADDRESS: '' }).DATABASE_URL, undefined);
  });

  it('when a value is wrong, fails with a sentence naming each variable and the README table', () => {
    assert.throws(
      () => loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', TEMPORAL_ADDRESS: 'http://temporal' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /PORT:/);
        assert.match(error.message, /DATABASE_URL: must start with postgresql:\/\//);
        assert.match(error.message, /TEMPORAL_ADDRESS: must be host:port/);
        assert.match(error.message, /README\.md/);
        return true;
      },
    );
  });

  it('allows webhooks no private network unless told, and reads the networks an SP admin allows', () => {
    assert.deepEqual(loadConfig({}).WEBHOOK_ALLOWED_NETWORKS, []);
    assert.deepEqual(loadConfig({ WEBHOOK_ALLOWED_NETWORKS: '10.20.0.0/16, fd00:1::/64' }).WEBHOOK_ALLOWED_NETWORKS.map((n) => n.text), ['10.20.0.0/16', 'fd00:1::/64']);
    assert.throws(() => loadConfig({ WEBHOOK_ALLOWED_NETWORKS: '10.20.0.0/16,intranet,10.0.0.1/8' }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /WEBHOOK_ALLOWED_NETWORKS: intranet is not an address or a network/);
      assert.match(error.message, /WEBHOOK_ALLOWED_NETWORKS: 10\.0\.0\.1\/8 has bits set beyond its prefix length/);
      return true;
    });
  });

  it('a service process refuses to start without its database and Temporal', () => {
    assert.throws(() => loadServiceConfig({}), /DATABASE_URL and TEMPORAL_ADDRESS must be set/);
    const config = loadServiceConfig({ DATABASE_URL: 'postgresql://u:p@db:5432/branchline', TEMPORAL_ADDRESS: 'temporal:7233' });
    assert.equal(config.TEMPORAL_ADDRESS, 'temporal:7233');
  });
});

describe('TRUST_PROXY', () => {
  it('believes no proxy unless told', () => {
    assert.equal(loadConfig({}).TRUST_PROXY, false);
    assert.equal(loadConfig({ TRUST_PROXY: '' }).TRUST_PROXY, false);
    assert.equal(loadConfig({ TRUST_PROXY: 'false' }).TRUST_PROXY, false);
  });

  it('takes how many proxies stand in front, or their addresses, subnets and named ranges', () => {
    assert.equal(loadConfig({ TRUST_PROXY: '1' }).TRUST_PROXY, 1);
    assert.deepEqual(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8,2001:db8::/32, 192.0.2.1' }).TRUST_PROXY, ['loopback', '10.0.0.0/8', '2001:db8::/32', '192.0.2.1']);
  });

  it('refuses every address and anything that is not an address, saying why', () => {
    assert.throws(() => loadConfig({ TRUST_PROXY: 'true' }), /TRUST_PROXY: .*any client pick its own/);
    assert.throws(() => loadConfig({ TRUST_PROXY: 'proxy.example.net' }), /TRUST_PROXY: must be .*\(not proxy\.example\.net\)/);
    assert.throws(() => loadConfig({ TRUST_PROXY: '10.0.0.0/33' }), /TRUST_PROXY/);
  });
});

describe('loadConfig › metrics and traces', () => {
  it('serves no metrics and exports no traces unless told', () => {
    const config = loadConfig({});
    assert.equal(config.API_METRICS_PORT, undefined);
    assert.equal(config.WORKER_METRICS_PORT, undefined);
    assert.equal(config.OTEL_EXPORTER_OTLP_ENDPOINT, undefined);
    assert.equal(config.METRICS_HOST, '127.0.0.1');
    assert.equal(loadConfig({ API_METRICS_PORT: '', WORKER_METRICS_PORT: '' }).WORKER_METRICS_PORT, undefined);
  });

  it('reads the ports and the collector, and refuses a port that is not one', () => {
    const config = loadConfig({ API_METRICS_PORT: '9464', WORKER_METRICS_PORT: '9465', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' });
    assert.deepEqual([config.API_METRICS_PORT, config.WORKER_METRICS_PORT, config.OTEL_EXPORTER_OTLP_ENDPOINT], [9464, 9465, 'http://collector:4318']);
    assert.throws(() => loadConfig({ WORKER_METRICS_PORT: 'ninety' }), /WORKER_METRICS_PORT/);
  });
});
