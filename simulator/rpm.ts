// Real-time performance monitoring (Junos RPM) on a simulated box: the tests its running
// configuration declares (services rpm probe <owner> test <name>), each measuring one WAN link,
// and the results a real SRX keeps for them (JUNIPER-RPM-MIB's collections, get-probe-results).
import { childText, elementChildren, type Document, type Element } from '../activities/devices/netconf/xml.ts';
import type { WanLinkState } from './device.ts';
import { impairedQuality, withNoise, type LinkQuality } from './impairments.ts';

export interface RpmTest {
  owner: string;
  test: string;
  /** The WAN link its probes leave by. */
  link: WanLinkState;
  target: string;
  probeType: string;
  probeCount: number;
  /** probe-interval, in seconds (Junos's default: 3). */
  probeIntervalSeconds: number;
  /** thresholds rtt, in microseconds, when configured. */
  rttThresholdUs?: number;
  /** thresholds total-loss: lost probes a test may have before it fails (Junos's default: 1). */
  totalLoss: number;
  /** traps the test is configured to send (rtt-exceeded, test-failure, probe-failure…). */
  traps: string[];
}

/** One collection of probes' results (JnxRpmCollectionType): what was sent, answered, and the round trips in microseconds. */
export interface RpmCollection {
  collection: 1 | 2 | 4;
  sent: number;
  received: number;
  rttsUs: number[];
}

const named = (element: Element | undefined, name: string) => (element ? elementChildren(element).filter((e) => e.localName === name) : []);

/**
 * The configured tests, each on the link it measures: the link of its destination-interface, or of
 * its source-address, or named like its owner (the WAN link convention); else the first link,
 * where the default route leads.
 */
export function rpmTestsIn(running: Document, links: WanLinkState[], addressesOf: (interfaceName: string) => string[]): RpmTest[] {
  const rpm = named(named(running.documentElement ?? undefined, 'services')[0], 'rpm')[0];
  return named(rpm, 'probe').flatMap((probe) => named(probe, 'test').map((test) => {
    const owner = childText(probe, 'name') ?? '';
    const destination = childText(test, 'destination-interface')?.replace(/\.\d+$/, '');
    const source = childText(test, 'source-address');
    const link = links.find((l) => destination !== undefined && l.interfaceName === destination)
      ?? links.find((l) => source !== undefined && addressesOf(l.interfaceName).some((a) => a.split('/')[0] === source))
      ?? links.find((l) => l.name === owner)
      ?? links[0]!;
    const thresholds = named(test, 'thresholds')[0];
    const rtt = thresholds && childText(thresholds, 'rtt');
    const totalLoss = thresholds && childText(thresholds, 'total-loss');
    return {
      owner,
      test: childText(test, 'name') ?? '',
      link,
      target: childText(named(test, 'target')[0] ?? test, 'address') ?? '',
      probeType: childText(test, 'probe-type') ?? 'icmp-ping',
      probeCount: Math.max(1, Number(childText(test, 'probe-count') ?? 1) || 1),
      probeIntervalSeconds: Math.max(1, Number(childText(test, 'probe-interval') ?? 3) || 3),
      ...(rtt && /^\d+$/.test(rtt) ? { rttThresholdUs: Number(rtt) } : {}),
      totalLoss: totalLoss && /^\d+$/.test(totalLoss) ? Number(totalLoss) : 1,
      traps: named(test, 'traps').map((t) => t.textContent?.trim() ?? ''),
    };
  }));
}

/** The round trips of `received` probes spread evenly over the link's jitter around its latency. */
function roundTrips(quality: LinkQuality, received: number): number[] {
  return Array.from({ length: received }, (_, i) => {
    const offset = received > 1 ? i / (received - 1) - 0.5 : 0;
    return Math.max(0, Math.round((quality.latencyMs + offset * quality.jitterMs) * 1000));
  });
}

/**
 * The link as the test measures it at `now`: its impairment, then probe noise drawn once per test
 * (the seed names the device, the test and which test of the run it is), so every reader of the
 * results of one test (NETCONF, SNMP, a trap) sees the same figures.
 */
export function measuredQuality(test: RpmTest, now: number, seed: string): LinkQuality {
  const testMs = test.probeCount * test.probeIntervalSeconds * 1000;
  return withNoise(impairedQuality(test.link, test.link.impairment, now), test.link.noise, `${seed}/${test.owner}/${test.test}/${Math.floor(now / testMs)}`);
}

/**
 * A test's collections as the box holds them now: the current and last completed tests (the link
 * as it is measured now), and every test since boot. A cut link, or a box whose WAN is down,
 * answers nothing.
 */
export function rpmCollections(test: RpmTest, uptimeSeconds: number, wanDown: boolean, measured: LinkQuality = test.link): RpmCollection[] {
  const { link, probeCount } = test;
  const loss = link.cut || wanDown ? 1 : measured.lossPermille / 1000;
  const one = (collection: 1 | 2 | 4, sent: number): RpmCollection => {
    const received = sent - Math.min(sent, Math.round(sent * loss));
    // Round trips of at most a thousand probes: enough for the statistics of a long collection.
    return { collection, sent, received, rttsUs: roundTrips(measured, Math.min(received, 1000)) };
  };
  // A test of probe-count probes, one every probe-interval, then the next test.
  const testsSinceBoot = Math.max(1, Math.floor(uptimeSeconds / (probeCount * test.probeIntervalSeconds + 1)));
  return [one(1, probeCount), one(2, probeCount), one(4, probeCount * testsSinceBoot)];
}

export interface RttSummary {
  samples: number;
  minUs: number;
  maxUs: number;
  averageUs: number;
  peakToPeakUs: number;
  stdDevUs: number;
  sumUs: number;
}

/** The round-trip statistics of a collection; none when no probe was answered (the MIB then skips the row). */
export function summarise({ rttsUs, received }: RpmCollection): RttSummary | undefined {
  if (rttsUs.length === 0) return undefined;
  const average = rttsUs.reduce((a, b) => a + b, 0) / rttsUs.length;
  const min = Math.min(...rttsUs);
  const max = Math.max(...rttsUs);
  const variance = rttsUs.reduce((a, b) => a + (b - average) ** 2, 0) / rttsUs.length;
  return { samples: received, minUs: min, maxUs: max, averageUs: Math.round(average), peakToPeakUs: max - min, stdDevUs: Math.round(Math.sqrt(variance)), sumUs: Math.round(average * received) };
}

/** JnxRpmPercentType: a percentage with six decimals, as an integer. */
export const percentLost = (collection: RpmCollection) => (collection.sent === 0 ? 0 : Math.round(((collection.sent - collection.received) / collection.sent) * 100_000_000));
