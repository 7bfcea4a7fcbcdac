// What `npm run cluster` says when it cannot have the Temporal server, and the configuration it
// writes for it: docker-compose.yml's server on PostgreSQL.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { resolveTemporalServer, resolveTemporalUiServer, temporalServerConfig } from './temporal-cluster.ts';

describe('the cluster\'s Temporal server', () => {
  const toolsDir = mkdtempSync(join(tmpdir(), 'branchline-tools-'));
  after(() => rmSync(toolsDir, { recursive: true, force: true }));
  const say = () => undefined;

  it('without Go and without binaries, says what to install or which settings to give', async () => {
    const path = process.env['PATH'];
    process.env['PATH'] = '';
    try {
      await assert.rejects(resolveTemporalServer({ toolsDir, say }), /no Go to build it\. Install Go \(https:\/\/go\.dev\/dl\/.*set TEMPORAL_SERVER_BINARY and TEMPORAL_SQL_TOOL/s);
      await assert.rejects(resolveTemporalUiServer({ toolsDir, say }), /Install Go .*set TEMPORAL_UI_SERVER_BINARY/s);
    } finally {
      process.env['PATH'] = path;
    }
  });

  it('takes the server and its schema tool together, each an executable', async () => {
    await assert.rejects(resolveTemporalServer({ serverPath: process.execPath, toolsDir, say }), /TEMPORAL_SQL_TOOL must be set too/);
    await assert.rejects(resolveTemporalServer({ serverPath: join(toolsDir, 'none'), sqlToolPath: process.execPath, toolsDir, say }), /TEMPORAL_SERVER_BINARY is .*none, which is not an executable file/);
  });

  it('keeps persistence and visibility on PostgreSQL, each service on the address given, and checks tokens against the key set given', () => {
    const ports = {
      frontend: 7310, frontendMembership: 7311, frontendHttp: 7312, history: 7313, historyMembership: 7314, matching: 7315, matchingMembership: 7316, worker: 7317, workerMembership: 7318,
      internalFrontend: 7325, internalFrontendMembership: 7326,
    };
    const config = temporalServerConfig('postgresql://branchline:p%40ss@127.0.0.1:7321/branchline', '127.0.0.1', ports, '/dynamic.yaml', 'http://127.0.0.1:7324/jwks') as {
      persistence: { numHistoryShards: number; datastores: Record<string, { sql: { pluginName: string; databaseName: string; connectAddr: string; password: string } }> };
      services: Record<string, { rpc: { grpcPort: number; bindOnIP: string } }>;
      global: { authorization: { jwtKeyProvider: { keySourceURIs: string[] }; authorizer: string; claimMapper: string; permissionsClaimName: string } };
    };
    const { authorization } = config.global;
    assert.deepEqual([authorization.jwtKeyProvider.keySourceURIs, authorization.authorizer, authorization.claimMapper, authorization.permissionsClaimName], [['http://127.0.0.1:7324/jwks'], 'default', 'default', 'permissions']);
    const stores = Object.values(config.persistence.datastores).map(({ sql }) => [sql.pluginName, sql.databaseName, sql.connectAddr, sql.password]);
    assert.deepEqual(stores, [['postgres12', 'temporal', '127.0.0.1:7321', 'p@ss'], ['postgres12', 'temporal_visibility', '127.0.0.1:7321', 'p@ss']]);
    assert.equal(config.persistence.numHistoryShards, 4);
    assert.deepEqual(Object.fromEntries(Object.entries(config.services).map(([name, { rpc }]) => [name, [rpc.grpcPort, rpc.bindOnIP]])), {
      frontend: [7310, '127.0.0.1'], 'internal-frontend': [7325, '127.0.0.1'], history: [7313, '127.0.0.1'], matching: [7315, '127.0.0.1'], worker: [7317, '127.0.0.1'],
    });
  });
});
