import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseNetworks } from './address-kinds.ts';
import { WebhookDestinations, type ResolvedAddress } from './webhook-destinations.ts';

/** A resolver from a table; a name not in it does not exist. Counts what it was asked. */
function resolverOf(names: Record<string, string[]>) {
  const asked: string[] = [];
  const resolve = async (hostname: string): Promise<ResolvedAddress[]> => {
    asked.push(hostname);
    const found = names[hostname];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { resolve, asked };
}

const allowance = (text: string) => {
  const parsed = parseNetworks(text);
  assert.ok('networks' in parsed);
  return parsed.networks;
};

describe('webhook destinations', () => {
  describe('with no network allowed', () => {
    const { resolve, asked } = resolverOf({
      'hooks.example.com': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
      'rebound.example.com': ['127.0.0.1'],
      'split.example.com': ['93.184.215.14', '10.0.0.5'],
      'mapped.example.com': ['::ffff:169.254.169.254'],
      'itsm.corp.internal': ['10.1.2.3'],
    });
    const destinations = new WebhookDestinations({ resolve });

    const refusals: [string, RegExp][] = [
      ['http://169.254.169.254/latest/meta-data/', /^is 169\.254\.169\.254, a cloud metadata service; webhooks never go there$/],
      ['http://127.0.0.1:54320/', /^is 127\.0\.0\.1, a loopback address; an SP admin may allow that network$/],
      ['http://[::1]:8240/devices', /^is ::1, a loopback address/],
      ['http://2130706433:8240/', /^is 127\.0\.0\.1, a loopback address/],
      ['http://0x7f000001/', /^is 127\.0\.0\.1, a loopback address/],
      ['http://0x7f.0.0.1/', /^is 127\.0\.0\.1, a loopback address/],
      ['http://0177.0.0.1/', /^is 127\.0\.0\.1, a loopback address/],
      ['http://127.1/', /^is 127\.0\.0\.1, a loopback address/],
      ['http://017700000001/', /^is 127\.0\.0\.1, a loopback address/],
      ['http://[::ffff:127.0.0.1]/', /^is ::ffff:7f00:1 \(127\.0\.0\.1\), a loopback address/],
      ['http://[::ffff:a9fe:a9fe]/', /^is ::ffff:a9fe:a9fe \(169\.254\.169\.254\), a cloud metadata service; webhooks never go there$/],
      ['http://metadata.google.internal/computeMetadata/v1/', /^is the name of a cloud metadata service \(metadata\.google\.internal\); webhooks never go there$/],
      ['http://metadata/', /cloud metadata service/],
      ['http://localhost:8240/', /^resolves to 127\.0\.0\.1, a loopback address; an SP admin may allow that network$/],
      ['https://hooks.localhost/', /^resolves to 127\.0\.0\.1, a loopback address/],
      ['http://0.0.0.0:5432/', /^is 0\.0\.0\.0, an unspecified address; webhooks never go there$/],
      ['http://[::]/', /^is ::, an unspecified address/],
      ['http://0.1.2.3/', /'this network' address/],
      ['http://10.0.0.1/', /^is 10\.0\.0\.1, a private address/],
      ['http://172.20.1.1/', /a private address/],
      ['http://192.168.0.1/', /a private address/],
      ['http://100.64.0.1/', /^is 100\.64\.0\.1, a carrier-grade NAT address/],
      ['http://100.100.100.200/', /a cloud metadata service/],
      ['http://169.254.1.1/', /^is 169\.254\.1\.1, a link-local address/],
      ['http://[fe80::1]/', /^is fe80::1, a link-local address/],
      ['http://[fd00::1]/', /^is fd00::1, a unique local address/],
      ['http://[fd00:ec2::254]/', /a cloud metadata service/],
      ['http://224.0.0.1/', /^is 224\.0\.0\.1, a multicast address; webhooks never go there$/],
      ['http://[ff02::1]/', /a multicast address/],
      ['http://255.255.255.255/', /the broadcast address/],
      ['http://240.0.0.1/', /a reserved address/],
      ['http://rebound.example.com/', /^resolves to 127\.0\.0\.1, a loopback address; an SP admin may allow that network$/],
      ['http://split.example.com/', /^resolves to 10\.0\.0\.5, a private address/],
      ['http://mapped.example.com/', /^resolves to ::ffff:a9fe:a9fe \(169\.254\.169\.254\), a cloud metadata service/],
      ['ftp://hooks.example.com/', /^is not an http or https URL$/],
      ['file:///etc/passwd', /^is not an http or https URL$/],
    ];
    for (const [url, reason] of refusals) {
      it(`refuses ${url}`, async () => {
        const destination = await destinations.check(url);
        assert.equal(destination.verdict, 'forbidden');
        assert.match((destination as { reason: string }).reason, reason);
      });
    }

    it('allows a name whose every address is public, with the addresses it checked', async () => {
      const destination = await destinations.check('https://hooks.example.com/servicenow');
      assert.equal(destination.verdict, 'allowed');
      assert.deepEqual((destination as { addresses: ResolvedAddress[] }).addresses.map((a) => a.address), ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c']);
    });

    it('asks no resolver about an address, localhost or a metadata name', async () => {
      asked.length = 0;
      for (const url of ['http://8.8.8.8/', 'http://127.0.0.1/', 'http://localhost/', 'http://metadata.google.internal/']) await destinations.check(url);
      assert.deepEqual(asked, []);
    });

    it('says a name does not resolve, and what a name of a private network is', async () => {
      assert.deepEqual(await destinations.check('https://hooks.nowhere.example/'), { verdict: 'unresolved', reason: 'does not resolve (ENOTFOUND)' });
      assert.deepEqual(await destinations.check('https://servicenow.corp.internal/'), { verdict: 'unresolved', reason: "is a private network's name and does not resolve here (ENOTFOUND)" });
      assert.equal((await destinations.check('https://itsm.corp.internal/')).verdict, 'forbidden');
    });
  });

  describe('with networks an SP admin allowed', () => {
    const { resolve } = resolverOf({ 'itsm.corp.internal': ['10.1.2.3'], 'metadata.example.com': ['169.254.169.254'] });
    const destinations = new WebhookDestinations({ allowed: allowance('10.0.0.0/8, 127.0.0.1/32, 169.254.0.0/16'), resolve });

    it('allows those networks, by address or by name', async () => {
      for (const url of ['http://10.9.9.9/', 'https://itsm.corp.internal/hook', 'http://127.0.0.1:9000/', 'http://[::ffff:127.0.0.1]/', 'http://169.254.1.1/']) {
        assert.equal((await destinations.check(url)).verdict, 'allowed', url);
      }
    });

    it('still refuses the rest of loopback, and metadata services whatever is allowed', async () => {
      const table: [string, RegExp][] = [
        ['http://127.0.0.2/', /a loopback address; an SP admin may allow that network/],
        ['http://localhost/', /^resolves to ::1, a loopback address/],
        ['http://169.254.169.254/', /a cloud metadata service; webhooks never go there/],
        ['http://metadata.example.com/', /^resolves to 169\.254\.169\.254, a cloud metadata service/],
        ['http://metadata.google.internal/', /cloud metadata service/],
      ];
      for (const [url, reason] of table) {
        const destination = await destinations.check(url);
        assert.equal(destination.verdict, 'forbidden', url);
        assert.match((destination as { reason: string }).reason, reason, url);
      }
    });
  });

  it('resolves the name afresh at every check, so a changed answer is caught', async () => {
    const names: Record<string, string[]> = { 'hooks.example.com': ['93.184.215.14'] };
    const destinations = new WebhookDestinations({ resolve: resolverOf(names).resolve });
    assert.equal((await destinations.check('http://hooks.example.com/')).verdict, 'allowed');
    names['hooks.example.com'] = ['127.0.0.1'];
    assert.equal((await destinations.check('http://hooks.example.com/')).verdict, 'forbidden');
  });
});
