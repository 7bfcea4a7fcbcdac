// The part of the Junos configuration tree the simulated SRX knows, read from Juniper's YANG for
// Junos 22.4R1 (junos-es): containers, lists with their keys, leaves with the types, ranges and
// enumerations the models give them (numbers the models also let be `$variables` are numbers
// here). It covers what Branchline renders and what an operator commonly adds by hand; anything
// else is refused as Junos refuses a statement it does not know.

export type LeafType =
  | { kind: 'string'; maxLength?: number }
  | { kind: 'number'; min: number; max: number }
  | { kind: 'enum'; values: readonly string[] }
  /** A statement with no value (`<passive/>`). */
  | { kind: 'empty' };

export type SchemaNode =
  | { kind: 'container'; children: Readonly<Record<string, SchemaNode>> }
  | { kind: 'list'; keys: readonly string[]; children: Readonly<Record<string, SchemaNode>> }
  | { kind: 'leaf'; type: LeafType }
  | { kind: 'leaf-list'; type: LeafType };

type Children = Record<string, SchemaNode>;

const container = (children: Children = {}): SchemaNode => ({ kind: 'container', children });
/** A list keyed by `name`, as most Junos lists are, unless other keys are given. */
const list = (children: Children = {}, keys: readonly string[] = ['name']): SchemaNode => ({
  kind: 'list', keys, children: { ...Object.fromEntries(keys.filter((k) => !(k in children)).map((k) => [k, string()])), ...children },
});
const leaf = (type: LeafType): SchemaNode => ({ kind: 'leaf', type });
const leafList = (type: LeafType): SchemaNode => ({ kind: 'leaf-list', type });
const string = (maxLength?: number): SchemaNode => leaf({ kind: 'string', ...(maxLength ? { maxLength } : {}) });
const number = (min: number, max: number): SchemaNode => leaf({ kind: 'number', min, max });
const oneOf = (...values: string[]): SchemaNode => leaf({ kind: 'enum', values });
const empty = (): SchemaNode => leaf({ kind: 'empty' });
const strings = (): SchemaNode => leafList({ kind: 'string' });
const uint32 = () => number(0, 4294967295);

const systemServiceNames = ['all', 'bootp', 'dhcp', 'dhcpv6', 'dns', 'finger', 'ftp', 'ident-reset', 'http', 'https', 'ike', 'netconf', 'ping', 'rlogin',
  'reverse-telnet', 'reverse-ssh', 'rpm', 'rsh', 'snmp', 'snmp-trap', 'ssh', 'telnet', 'traceroute', 'xnm-ssl', 'xnm-clear-text', 'tftp', 'lsping',
  'lsselfping', 'ntp', 'sip', 'r2cp', 'webapi-clear-text', 'webapi-ssl', 'tcp-encap', 'appqoe', 'high-availability', 'any-service'];
const protocolNames = ['all', 'bfd', 'bgp', 'dvmrp', 'igmp', 'ldp', 'msdp', 'ndp', 'nhrp', 'ospf', 'ospf3', 'pgm', 'pim', 'rip', 'ripng',
  'router-discovery', 'rsvp', 'sap', 'vrrp'];
const dhGroups = ['group1', 'group2', 'group5', 'group14', 'group15', 'group16', 'group19', 'group20', 'group24'];
const unitEncapsulations = ['atm-nlpid', 'atm-cisco-nlpid', 'atm-snap', 'atm-vc-mux', 'atm-ccc-vc-mux', 'atm-tcc-vc-mux', 'atm-tcc-snap',
  'atm-ccc-cell-relay', 'vlan-vci-ccc', 'ether-over-atm-llc', 'ether-vpls-over-atm-llc', 'ppp-over-ether-over-atm-llc', 'ppp-over-ether',
  'atm-ppp-vc-mux', 'atm-ppp-llc', 'atm-mlppp-llc', 'frame-relay-ppp', 'frame-relay-ccc', 'frame-relay', 'frame-relay-tcc', 'frame-relay-ether-type',
  'frame-relay-ether-type-tcc', 'ether-vpls-fr', 'vlan-ccc', 'ethernet-ccc', 'vlan-vpls', 'vlan-bridge', 'ethernet-tcc', 'dix', 'ethernet',
  'ethernet-vpls', 'ethernet-bridge', 'vlan', 'vlan-tcc', 'multilink-ppp', 'multilink-frame-relay-end-to-end', 'ppp-ccc'];

const hostInboundTraffic = () => container({
  'system-services': list({ name: oneOf(...systemServiceNames), except: empty() }),
  protocols: list({ name: oneOf(...protocolNames), except: empty() }),
});

/** routing-options static, in the main instance and in routing instances alike. */
const staticRoutes = () => container({
  route: list({
    'next-hop': strings(),
    'qualified-next-hop': list({ preference: uint32(), metric: uint32(), interface: string() }),
    preference: uint32(), metric: uint32(), discard: empty(), reject: empty(), 'next-table': string(), 'no-readvertise': empty(),
  }),
});

const pppOptions = container({
  chap: container({ 'access-profile': string(63), 'default-chap-secret': string(), 'local-name': string(), 'no-rfc2486': empty(), passive: empty() }),
  pap: container({
    'access-profile': string(63), 'default-password': string(), 'local-name': string(), 'no-rfc2486': empty(), 'local-password': string(), passive: empty(),
  }),
});

const unit = list({
  description: string(), disable: empty(), 'vlan-id': number(1, 4094), encapsulation: oneOf(...unitEncapsulations), mtu: number(256, 9192),
  family: container({
    inet: container({
      address: list({ primary: empty(), preferred: empty(), broadcast: string() }),
      dhcp: container({ 'vendor-id': string(60), 'client-identifier': container({ 'ascii': string(), hexadecimal: string() }), 'lease-time': string(), 'retransmission-attempt': number(0, 50000), 'retransmission-interval': number(4, 64), 'server-address': string(), 'update-server': empty() }),
      'negotiate-address': empty(),
      mtu: number(500, 9192),
      filter: container({ input: string(), output: string() }),
      unnumbered: container({ 'source-address': string() }),
    }),
    inet6: container({ address: list({ primary: empty(), preferred: empty() }), 'dhcpv6-client': container({}) }),
    'ethernet-switching': container({ 'interface-mode': oneOf('access', 'trunk'), vlan: container({ members: strings() }) }),
  }),
  'ppp-options': pppOptions,
  'pppoe-options': container({
    'underlying-interface': string(), 'idle-timeout': uint32(), 'access-concentrator': string(), 'service-name': string(), 'auto-reconnect': uint32(),
    server: empty(), client: empty(),
  }),
});

const logins = container({
  message: string(),
  user: list({
    uid: number(100, 64000), class: string(), 'full-name': string(),
    authentication: container({ 'encrypted-password': string(128), 'plain-text-password-value': string(), 'ssh-rsa': list(), 'ssh-ecdsa': list(), 'ssh-ed25519': list() }),
  }),
});

const system = container({
  'host-name': string(255), 'domain-name': string(), 'time-zone': string(),
  'root-authentication': container({ 'encrypted-password': string(128), 'ssh-rsa': list(), 'ssh-ed25519': list() }),
  login: logins,
  services: container({
    ssh: container({ 'root-login': oneOf('allow', 'deny', 'deny-password'), 'protocol-version': leafList({ kind: 'enum', values: ['v2'] }), port: number(1, 65535), 'connection-limit': number(1, 250), 'rate-limit': number(1, 250) }),
    netconf: container({ ssh: container({ port: number(1, 65535), 'connection-limit': number(1, 250), 'rate-limit': number(1, 250) }), 'rfc-compliant': empty() }),
    'web-management': container({ https: container({ 'system-generated-certificate': empty(), interface: strings() }) }),
    'dhcp-local-server': container({ group: list({ interface: list({}) }) }),
  }),
  'name-server': list({ 'routing-instance': string() }),
  ntp: container({ server: list({ prefer: empty(), version: number(1, 4) }), 'boot-server': string() }),
  syslog: container({
    file: list({ contents: list({ any: empty(), emergency: empty(), alert: empty(), critical: empty(), error: empty(), warning: empty(), notice: empty(), info: empty(), none: empty() }) }),
    host: list({ contents: list({ any: empty(), error: empty(), warning: empty(), notice: empty(), info: empty() }) }),
  }),
});

const ike = container({
  proposal: list({
    description: string(80),
    'authentication-method': oneOf('pre-shared-keys', 'rsa-signatures', 'dsa-signatures', 'ecdsa-signatures-256', 'ecdsa-signatures-384'),
    'dh-group': oneOf(...dhGroups),
    'authentication-algorithm': oneOf('md5', 'sha1', 'sha-256', 'sha-384'),
    'encryption-algorithm': oneOf('des-cbc', '3des-cbc', 'aes-128-cbc', 'aes-192-cbc', 'aes-256-cbc', 'aes-128-gcm', 'aes-256-gcm'),
    'lifetime-seconds': number(180, 86400),
  }),
  policy: list({
    description: string(80), mode: oneOf('main', 'aggressive'), proposals: strings(), 'proposal-set': oneOf('basic', 'compatible', 'standard', 'prime-128', 'prime-256', 'suiteb-gcm-128', 'suiteb-gcm-256'),
    'pre-shared-key': container({ 'ascii-text': string(), hexadecimal: string() }),
  }),
  gateway: list({
    'ike-policy': string(), address: strings(), 'external-interface': string(), 'local-address': string(), version: oneOf('v1-only', 'v2-only'),
    'dead-peer-detection': container({ 'always-send': empty(), optimized: empty(), 'probe-idle-tunnel': empty(), interval: number(2, 60), threshold: number(1, 5) }),
    'local-identity': container({ 'inet': container({ 'identity-ipv4': string() }), hostname: container({ 'identity-hostname': string() }) }),
    'remote-identity': container({ 'inet': container({ 'identity-ipv4': string() }), hostname: container({ 'identity-hostname': string() }) }),
    'no-nat-traversal': empty(), 'general-ikeid': empty(),
  }),
});

const ipsec = container({
  proposal: list({
    description: string(80), protocol: oneOf('ah', 'esp'),
    'authentication-algorithm': oneOf('hmac-md5-96', 'hmac-sha1-96', 'hmac-sha-256-128', 'hmac-sha-256-96', 'hmac-sha-384', 'hmac-sha-512'),
    'encryption-algorithm': oneOf('des-cbc', '3des-cbc', 'aes-128-cbc', 'aes-192-cbc', 'aes-256-cbc', 'aes-128-gcm', 'aes-192-gcm', 'aes-256-gcm'),
    'lifetime-seconds': number(180, 86400), 'lifetime-kilobytes': number(64, 4294967294),
  }),
  policy: list({
    description: string(80), 'perfect-forward-secrecy': container({ keys: oneOf(...dhGroups) }), proposals: strings(),
    'proposal-set': oneOf('basic', 'compatible', 'standard', 'prime-128', 'prime-256', 'suiteb-gcm-128', 'suiteb-gcm-256'),
  }),
  vpn: list({
    'bind-interface': string(), 'df-bit': oneOf('clear', 'set', 'copy'),
    'vpn-monitor': container({ optimized: empty(), 'source-interface': string(), 'destination-ip': string() }),
    ike: container({ gateway: string(), 'ipsec-policy': string(), 'idle-time': number(60, 999999), 'no-anti-replay': empty() }),
    'establish-tunnels': oneOf('immediately', 'on-traffic'),
  }),
});

const policyThen = container({
  permit: container({ 'application-services': container({ 'advanced-connection-tracking': empty(), 'idp-policy': string(), 'utm-policy': string() }) }),
  deny: empty(), reject: empty(),
  log: container({ 'session-init': empty(), 'session-close': empty() }),
  count: container({}),
});

const security = container({
  ike, ipsec,
  'address-book': list({ address: list({ description: string(), 'ip-prefix': string(), 'dns-name': container({ 'name': string() }) }), 'address-set': list({ address: list({}) }) }),
  zones: container({
    'security-zone': list({
      description: string(), screen: string(32), 'host-inbound-traffic': hostInboundTraffic(),
      interfaces: list({ 'host-inbound-traffic': hostInboundTraffic() }),
      'advance-policy-based-routing-profile': container({ profile: string() }),
      'application-tracking': empty(),
    }),
  }),
  policies: container({
    policy: list({
      policy: list({
        description: string(900),
        match: container({ 'source-address': strings(), 'destination-address': strings(), application: strings(), 'dynamic-application': strings(), 'source-identity': strings() }),
        then: policyThen,
      }),
    }, ['from-zone-name', 'to-zone-name']),
    'global': container({ policy: list({ match: container({ 'source-address': strings(), 'destination-address': strings(), application: strings(), 'from-zone': strings(), 'to-zone': strings() }), then: policyThen }) }),
    'default-policy': container({ 'default-action': oneOf('permit-all', 'deny-all') }),
  }),
  nat: container({
    source: container({
      pool: list({ address: list({}) }),
      'rule-set': list({
        from: container({ zone: strings(), interface: strings(), 'routing-instance': strings() }),
        to: container({ zone: strings(), interface: strings(), 'routing-instance': strings() }),
        rule: list({
          'src-nat-rule-match': container({ 'source-address': strings(), 'destination-address': strings(), application: strings() }),
          then: container({ 'source-nat': container({ off: empty(), interface: container({}), pool: container({ 'pool-name': string() }) }) }),
        }),
      }),
    }),
    destination: container({
      pool: list({ address: container({ ipaddr: string(), port: number(0, 65535) }) }),
      'rule-set': list({
        from: container({ zone: strings(), interface: strings(), 'routing-instance': strings() }),
        rule: list({
          'dest-nat-rule-match': container({
            'source-address': strings(), 'destination-address': container({ 'dst-addr': string() }), 'destination-port': list({}), protocol: strings(), application: strings(),
          }),
          then: container({ 'destination-nat': container({ off: empty(), pool: container({ 'pool-name': string() }) }) }),
        }),
      }),
    }),
    static: container({
      'rule-set': list({
        from: container({ zone: strings(), interface: strings(), 'routing-instance': strings() }),
        rule: list({
          'static-nat-rule-match': container({ 'source-address': strings(), 'destination-address': container({ 'dst-addr': string() }) }),
          then: container({ 'static-nat': container({ prefix: container({ 'addr-prefix': string() }), inet: container({}) }) }),
        }),
      }),
    }),
  }),
  utm: container({
    'utm-policy': list({
      'anti-virus': container({ 'http-profile': string() }),
      'content-filtering': container({ 'http-profile': string() }),
      'web-filtering': container({ 'http-profile': string() }),
      'anti-spam': container({ 'smtp-profile': string() }),
    }),
  }),
  'advance-policy-based-routing': container({
    profile: list({
      rule: list({
        'disable-midstream-routing': empty(),
        match: container({ 'dynamic-application': strings(), 'dynamic-application-group': strings(), category: strings() }),
        then: container({ 'routing-instance': container({ 'routing-instance-name': string() }), 'sla-rule': container({ 'sla-rule-name': string() }), 'application-services-bypass': empty() }),
      }),
    }),
    'metrics-profile': list({
      'sla-threshold': container({
        'delay-round-trip': container({ 'delay-val': number(0, 60000000) }),
        jitter: container({ 'jitter-val': number(0, 60000000) }),
        'packet-loss': container({ loss: number(1, 100) }),
        'jitter-type': container({ type: oneOf('two-way-jitter', 'egress-jitter', 'ingress-jitter') }),
        match: container({ sla_match: oneOf('any-one', 'all') }),
      }),
    }),
  }),
  flow: container({ 'tcp-mss': container({ 'ipsec-vpn': container({ mss: number(64, 65535) }), 'all-tcp': container({ mss: number(64, 65535) }) }) }),
});

const rpmTest = list({
  'probe-type': oneOf('icmp-ping', 'icmp-ping-timestamp', 'icmp6-ping', 'tcp-ping', 'udp-ping', 'udp-ping-timestamp'),
  target: container({ address: string(), 'inet6-address': string(), url: string() }),
  'probe-count': number(1, 15), 'probe-interval': number(1, 255), 'test-interval': number(0, 86400),
  'destination-interface': string(), 'destination-port': number(7, 65535), 'routing-instance': string(), 'source-address': string(),
  thresholds: container({
    'successive-loss': number(0, 15), 'total-loss': number(0, 15), rtt: number(0, 60000000), 'jitter-rtt': number(0, 60000000), 'std-dev-rtt': number(0, 60000000),
  }),
  traps: leafList({
    kind: 'enum',
    values: ['probe-failure', 'test-failure', 'test-completion', 'rtt-exceeded', 'std-dev-exceeded', 'jitter-exceeded', 'ingress-time-exceeded',
      'ingress-std-dev-exceeded', 'ingress-jitter-exceeded', 'egress-time-exceeded', 'egress-std-dev-exceeded', 'egress-jitter-exceeded'],
  }),
  'hardware-timestamp': empty(),
});

/** The root: `<configuration>`'s statements. */
export const junosSchema: SchemaNode = container({
  version: string(),
  system,
  services: container({
    rpm: container({ probe: list({ test: rpmTest }) }),
    'application-identification': container({}),
  }),
  security,
  interfaces: container({ interface: list({ description: string(), disable: empty(), mtu: number(256, 9192), 'vlan-tagging': empty(), unit }) }),
  snmp: container({
    location: string(), contact: string(), description: string(),
    community: list({ authorization: oneOf('read-only', 'read-write'), clients: list({ restrict: empty() }) }),
  }),
  'routing-options': container({ 'router-id': string(), 'autonomous-system': container({ 'as-number': string() }), static: staticRoutes() }),
  'routing-instances': container({
    instance: list({
      description: string(), 'instance-type': oneOf('virtual-switch', 'layer2-control', 'mac-vrf', 'forwarding', 'no-forwarding', 'l2vpn', 'vpls',
        'virtual-router', 'l2backhaul-vpn', 'mpls-internet-multicast', 'evpn', 'mpls-forwarding', 'evpn-vpws', 'vrf'),
      interface: list({}), 'routing-options': container({ static: staticRoutes() }),
    }),
  }),
  applications: container({ application: list({ protocol: string(), 'destination-port': string(), 'source-port': string(), description: string() }) }),
  access: container({
    'address-assignment': container({
      pool: list({
        family: container({
          inet: container({
            network: string(), range: list({ low: string(), high: string() }),
            'dhcp-attributes': container({ 'name-server': list({}), router: list({}), 'domain-name': string(), 'maximum-lease-time': uint32() }),
          }),
        }),
      }),
    }),
  }),
  vlans: container({ vlan: list({ description: string(), 'vlan-id': number(1, 4094), 'l3-interface': string() }) }),
  // An NFX's VNFs (Junos on NFX150/NFX250: `set virtual-network-functions <name> …`). Juniper's
  // junos-es YANG (SRX) has no such hierarchy; this follows the NFX documentation: the image in
  // /var/public, vCPUs, memory in KiB, and each guest interface (eth0 and eth1 are the host's
  // management links, eth2 on carry traffic) mapped onto VLANs of the box's switch.
  'virtual-network-functions': list({
    description: string(),
    image: container({ file: string(), 'image-type': oneOf('image', 'iso') }),
    'virtual-cpu': container({ count: number(1, 32) }),
    memory: container({ size: uint32() }),
    interfaces: list({ mapping: container({ vlan: container({ members: strings() }) }) }),
    'no-autostart': empty(),
  }),
});

/** Why a value does not fit its leaf's type, or undefined when it does. */
export function valueProblem(type: LeafType, value: string): string | undefined {
  switch (type.kind) {
    case 'empty':
      return value === '' ? undefined : `takes no value, "${value}" given`;
    case 'string':
      if (value === '') return 'needs a value';
      return type.maxLength !== undefined && value.length > type.maxLength ? `"${value}" is longer than ${type.maxLength} characters` : undefined;
    case 'number':
      return /^\d+$/.test(value) && Number(value) >= type.min && Number(value) <= type.max ? undefined : `"${value}" is not a number from ${type.min} to ${type.max}`;
    case 'enum':
      return type.values.includes(value) ? undefined : `"${value}" is not one of ${type.values.join(', ')}`;
  }
}
