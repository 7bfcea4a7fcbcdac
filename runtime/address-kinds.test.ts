import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyAddress, formatAddress, judgeAddress, parseAddress, parseNetwork, parseNetworks, specialName, type Network } from './address-kinds.ts';

const address = (text: string) => {
  const parsed = parseAddress(text);
  assert.ok(parsed, `${text} parses`);
  return parsed;
};
const networks = (text: string): Network[] => {
  const parsed = parseNetworks(text);
  assert.ok('networks' in parsed, 'problems' in parsed ? parsed.problems.join('; ') : '');
  return parsed.networks;
};

describe('address kinds', () => {
  describe('classifyAddress', () => {
    const table: [string, string][] = [
      ['8.8.8.8', 'public'],
      ['93.184.215.14', 'public'],
      ['2606:4700::1111', 'public'],
      ['0.0.0.0', 'unspecified'],
      ['::', 'unspecified'],
      ['0.1.2.3', 'this-network'],
      ['127.0.0.1', 'loopback'],
      ['127.16.0.1', 'loopback'],
      ['127.255.255.254', 'loopback'],
      ['::1', 'loopback'],
      ['10.0.0.1', 'private'],
      ['172.16.0.1', 'private'],
      ['172.31.255.255', 'private'],
      ['172.32.0.1', 'public'],
      ['192.168.1.1', 'private'],
      ['fec0::1', 'private'],
      ['100.64.0.1', 'shared'],
      ['100.127.255.255', 'shared'],
      ['100.128.0.1', 'public'],
      ['169.254.0.1', 'link-local'],
      ['fe80::1', 'link-local'],
      ['febf::1', 'link-local'],
      ['169.254.169.254', 'metadata'],
      ['100.100.100.200', 'metadata'],
      ['fd00:ec2::254', 'metadata'],
      ['fc00::1', 'unique-local'],
      ['fd12:3456::1', 'unique-local'],
      ['224.0.0.1', 'multicast'],
      ['239.255.255.250', 'multicast'],
      ['ff02::1', 'multicast'],
      ['255.255.255.255', 'broadcast'],
      ['240.0.0.1', 'reserved'],
      ['192.0.2.1', 'reserved'],
      ['198.18.0.1', 'reserved'],
      ['2001:db8::1', 'reserved'],
      ['2001::1', 'reserved'],
      ['100::1', 'reserved'],
      ['::7f00:1', 'reserved'],
      // IPv6 addresses that carry an IPv4 one go where it goes.
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:7f00:1', 'loopback'],
      ['::ffff:169.254.169.254', 'metadata'],
      ['::ffff:10.0.0.1', 'private'],
      ['::ffff:8.8.8.8', 'public'],
      ['64:ff9b::a9fe:a9fe', 'metadata'],
      ['64:ff9b::808:808', 'public'],
      ['2002:7f00:1::', 'loopback'],
      ['2002:c0a8:101::1', 'private'],
    ];
    for (const [text, kind] of table) {
      it(`${text} is ${kind}`, () => assert.equal(classifyAddress(address(text)).kind, kind));
    }

    it('names the IPv4 address a mapped one carries', () => {
      assert.equal(formatAddress(classifyAddress(address('::ffff:127.0.0.1')).carried!), '127.0.0.1');
    });
  });

  describe('parseAddress', () => {
    it('reads IPv6 in brackets and without its zone, and writes it as RFC 5952 does', () => {
      const table: [string, string][] = [
        ['[::1]', '::1'],
        ['fe80::1%eth0', 'fe80::1'],
        ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
        ['1:0:0:2::3', '1:0:0:2::3'],
        ['::ffff:1.2.3.4', '::ffff:102:304'],
        ['1::', '1::'],
        ['10.0.0.1', '10.0.0.1'],
      ];
      for (const [text, written] of table) assert.equal(formatAddress(address(text)), written, text);
    });

    it('refuses what is not an address in its canonical form (URLs and DNS give those)', () => {
      for (const text of ['localhost', '2130706433', '0x7f000001', '127.1', '1.2.3', '::g', '1.2.3.256', '']) {
        assert.equal(parseAddress(text), undefined, text);
      }
    });
  });

  describe('parseNetwork', () => {
    it('takes networks and lone addresses', () => {
      const table: [string, string][] = [
        ['10.20.0.0/16', '10.20.0.0/16'],
        [' 127.0.0.1 ', '127.0.0.1/32'],
        ['fd00:1::/64', 'fd00:1::/64'],
        ['::1', '::1/128'],
        ['0.0.0.0/0', '0.0.0.0/0'],
      ];
      for (const [text, written] of table) {
        const parsed = parseNetwork(text);
        assert.equal(typeof parsed === 'string' ? parsed : parsed.text, written, text);
      }
    });

    it('says why an entry is not a network', () => {
      const table: [string, RegExp][] = [
        ['10.0.0.1/8', /bits set beyond its prefix length \(the network is 10\.0\.0\.0\/8\)/],
        ['1.2.3.4/33', /prefix length that is not 0 to 32/],
        ['fd00::/129', /prefix length that is not 0 to 128/],
        ['10.0.0.0/x', /prefix length/],
        ['intranet', /not an address or a network/],
        ['10.0.0.0/8/8', /not an address or a network/],
      ];
      for (const [text, reason] of table) assert.match(String(parseNetwork(text)), reason, text);
    });

    it('reads a list separated by commas or spaces, naming every wrong entry', () => {
      assert.deepEqual(networks('10.20.0.0/16, fd00:1::/64 192.0.2.7').map((n) => n.text), ['10.20.0.0/16', 'fd00:1::/64', '192.0.2.7/32']);
      assert.deepEqual(networks(''), []);
      const wrong = parseNetworks('10.0.0.0/8,nope,1.2.3.4/40');
      assert.ok('problems' in wrong);
      assert.equal(wrong.problems.length, 2);
    });
  });

  describe('judgeAddress', () => {
    const allowed = networks('127.0.0.1/32, 10.20.0.0/16, fd00:1::/64, 169.254.0.0/16, 0.0.0.0/0');
    const table: [string, Network[], boolean][] = [
      ['8.8.8.8', [], true],
      ['127.0.0.1', [], false],
      ['127.0.0.1', networks('127.0.0.1/32'), true],
      ['127.0.0.2', networks('127.0.0.1/32'), false],
      ['::ffff:127.0.0.1', networks('127.0.0.1/32'), true],
      ['::1', networks('127.0.0.1/32'), false],
      ['10.20.3.4', networks('10.20.0.0/16'), true],
      ['10.21.0.1', networks('10.20.0.0/16'), false],
      ['fd00:1::5', networks('fd00:1::/64'), true],
      ['fd00:2::5', networks('fd00:1::/64'), false],
      ['169.254.1.1', networks('169.254.0.0/16'), true],
      // No allowance opens a metadata service, or addresses where no receiver lives.
      ['169.254.169.254', allowed, false],
      ['::ffff:169.254.169.254', allowed, false],
      ['100.100.100.200', networks('100.64.0.0/10'), false],
      ['0.0.0.0', allowed, false],
      ['224.0.0.1', allowed, false],
      ['255.255.255.255', allowed, false],
    ];
    for (const [text, allowance, expected] of table) {
      it(`${text} ${expected ? 'may' : 'may not'} be reached with ${allowance.map((n) => n.text).join(', ') || 'no allowance'}`, () => {
        assert.equal(judgeAddress(address(text), allowance).allowed, expected);
      });
    }

    it('says what the address is, and whether an allowance could open it', () => {
      assert.deepEqual(judgeAddress(address('127.0.0.1'), []), { allowed: false, kind: 'loopback', description: 'a loopback address', allowable: true });
      assert.deepEqual(judgeAddress(address('169.254.169.254'), []), { allowed: false, kind: 'metadata', description: 'a cloud metadata service', allowable: false });
    });
  });

  describe('specialName', () => {
    const table: [string, string | undefined][] = [
      ['metadata.google.internal', 'metadata'],
      ['metadata.google.internal.', 'metadata'],
      ['METADATA.GOOGLE.INTERNAL', 'metadata'],
      ['metadata', 'metadata'],
      ['instance-data.ec2.internal', 'metadata'],
      ['localhost', 'loopback'],
      ['hooks.localhost', 'loopback'],
      ['itsm.corp.internal', 'private-use'],
      ['printer.local', 'private-use'],
      ['nas.home.arpa', 'private-use'],
      ['hooks.example.com', undefined],
      ['internal.example.com', undefined],
      ['localhost.example.com', undefined],
    ];
    for (const [name, kind] of table) it(`${name} is ${kind ?? 'an ordinary name'}`, () => assert.equal(specialName(name), kind));
  });
});
