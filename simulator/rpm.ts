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
  /** test-interval, the pause after a test before the next, in seconds (Junos's default: 1). */
  testIntervalSeconds: number;
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

/** A test as the configuration declares it, before it is placed on a link: where its probes leave by, as it says. */
export type DeclaredRpmTest = Omit<RpmTest, 'link'> & { destinationInterface?: string; sourceAddress?: string };

/** The tests the configuration declares (services rpm probe <owner> test <name>). */
export function rpmTestsDeclared(running: Document): DeclaredRpmTest[] {
  const rpm = named(named(running.documentElement ?? undefined, 'services')[0], 'rpm')[0];
  return named(rpm, 'probe').flatMap((probe) => named(probe, 'test').map((test) => {
    const unit = childText(test, 'destination-interface');
    const source = childText(test, 'source-address');
    const thresholds = named(test, 'thresholds')[0];
    const rtt = thresholds && childText(thresholds, 'rtt');
    const totalLoss = thresholds && childText(thresholds, 'total-loss');
    return {
      owner: childText(probe, 'name') ?? '',
      test: childText(test, 'name') ?? '',
      ...(unit !== undefined ? { destinationInterface: unit } : {}),
      ...(source !== undefined ? { sourceAddress: source } : {}),
      target: childText(named(test, 'target')[0] ?? test, 'address') ?? '',
      probeType: childText(test, 'probe-type') ?? 'icmp-ping',
      probeCount: Math.max(1, Number(childText(test, 'probe-count') ?? 1) || 1),
      probeIntervalSeconds: Math.max(1, Number(childText(test, 'probe-interval') ?? 3) || 3),
      testIntervalSeconds: Math.max(0, Number(childText(test, 'test-interval') ?? 1) || 0),
      ...(rtt && /^\d+$/.test(rtt) ? { rttThresholdUs: Number(rtt) } : {}),
      totalLoss: totalLoss && /^\d+$/.test(totalLoss) ? Number(totalLoss) : 1,
      traps: named(test, 'traps').map((t) => t.textContent?.trim() ?? ''),
    };
  }));
}

/**
 * Each declared test on the link it measures: the link of its destination-interface, or of its
 * source-address, or named like its owner (the WAN link convention); else the first link, where
 * the default route leads.
 */
export function rpmTestsOn(declared: readonly DeclaredRpmTest[], links: WanLinkState[], addressesOf: (interfaceName: string) => string[]): RpmTest[] {
  return declared.map(({ destinationInterface: unit, sourceAddress: source, ...test }) => {
    const destination = unit?.replace(/\.\d+$/, '');
    // A tunnel's unit is a path of its own (the overlay's); a port's unit is its port's link.
    const link = links.find((l) => unit !== undefined && l.interfaceName === unit)
      ?? links.find((l) => destination !== undefined && l.interfaceName === destination)
      ?? links.find((l) => source !== undefined && addressesOf(l.interfaceName).some((a) => a.split('/')[0] === source))
      ?? links.find((l) => l.name === test.owner)
      ?? links[0]!;
    return { ...test, link };
  });
}

/** The configured tests, each on the link it measures. */
export const rpmTestsIn = (running: Document, links: WanLinkState[], addressesOf: (interfaceName: string) => string[]): RpmTest[] =>
  rpmTestsOn(rpmTestsDeclared(running), links, addressesOf);

/** The round trip of each probe, spread evenly over the jitter of the link it met around its latency. */
function roundTrips(probes: readonly LinkQuality[]): number[] {
  return probes.map((quality, i) => {
    const offset = probes.length > 1 ? i / (probes.length - 1) - 0.5 : 0;
    return Math.max(0, Math.round((quality.latencyMs + offset * quality.jitterMs) * 1000));
  });
}

/** How a test's probes are spaced: probe-count probes, one every probe-interval, then test-interval's pause. */
export type RpmSchedule = Pick<RpmTest, 'probeCount' | 'probeIntervalSeconds' | 'testIntervalSeconds'>;

/**
 * Tests run back to back from the epoch (test n's probe i is sent at n × period + i × probe-interval,
 * the period being the probes and the pause): the first probe sent at or after `at`, and when the
 * test it belongs to completes (a probe-interval after its last probe).
 */
export function rpmProbeSchedule(test: RpmSchedule, at: number): { firstProbeAt: number; testEndsAt: number } {
  const probeMs = test.probeIntervalSeconds * 1000;
  const testMs = test.probeCount * probeMs;
  const periodMs = testMs + test.testIntervalSeconds * 1000;
  const n = Math.floor(at / periodMs);
  const probe = Math.ceil((at - n * periodMs) / probeMs);
  const [testNumber, i] = probe < test.probeCount ? [n, probe] : [n + 1, 0];
  return { firstProbeAt: testNumber * periodMs + i * probeMs, testEndsAt: testNumber * periodMs + testMs };
}

/** What a test's probes met: the link at each probe's moment, the same for all of them when it does not change. */
export interface MeasuredTests {
  /** The test running now: its probes whose outcome is known (answered, or given up on), each as the link was when it was sent. */
  current: LinkQuality[];
  /** The last test to complete, one quality per probe, each at the moment it was sent. */
  lastCompleted: LinkQuality[];
  /** The link as it is now: what the collection of every test stands for. */
  now: LinkQuality;
}

/**
 * The link as the tests measure it: a test is probe-count probes, one every probe-interval, then
 * test-interval's pause; each holds what its probes met when each was sent (a change in the
 * middle of a test shows in part of it). A real SRX updates the current test's results probe by
 * probe, as each probe's outcome is known: here, once its round trip has passed (a lost probe
 * likewise, a simplification of its timeout). Probe noise is drawn once per test (the seed names
 * the device, the test and which test of the run it is), so every reader of one test's results
 * (NETCONF, SNMP, a trap) sees the same figures.
 */
export function measuredTests(test: RpmTest, now: number, seed: string): MeasuredTests {
  const probeMs = test.probeIntervalSeconds * 1000;
  const testMs = test.probeCount * probeMs;
  const periodMs = testMs + test.testIntervalSeconds * 1000;
  const measured = (at: number, testNumber: number) =>
    withNoise(impairedQuality(test.link, test.link.impairment, at), test.link.noise, `${seed}/${test.owner}/${test.test}/${testNumber}`);
  const probesOf = (testNumber: number) => Array.from({ length: test.probeCount }, (_, i) => measured(testNumber * periodMs + i * probeMs, testNumber));
  const last = Math.floor((now - testMs) / periodMs);
  const running = Math.floor(now / periodMs);
  const current = running === last ? probesOf(running)
    : probesOf(running).filter((quality, i) => running * periodMs + i * probeMs + quality.latencyMs <= now);
  return { current, lastCompleted: probesOf(last), now: measured(now, running) };
}

/**
 * A test's collections as the box holds them now: the current test (its probes so far), the last
 * completed test (what its probes met), and every test since boot (the link as it is now). A cut
 * link, or a box whose WAN is down, answers nothing.
 */
export function rpmCollections(test: RpmTest, uptimeSeconds: number, wanDown: boolean, measured: MeasuredTests): RpmCollection[] {
  const { link, probeCount } = test;
  const one = (collection: 1 | 2 | 4, probes: readonly LinkQuality[], sent: number): RpmCollection => {
    const loss = link.cut || wanDown ? 1 : probes.length === 0 ? 0 : probes.reduce((sum, q) => sum + q.lossPermille, 0) / probes.length / 1000;
    const lost = Math.min(sent, Math.round(sent * loss));
    // The probes that met the most loss are the ones lost (the last ones, when all met the same
    // link: a long collection's). Round trips of at most a hundred probes (`probes`): enough for
    // the statistics of a long collection, which every SNMP request reads again.
    const kept = probes.length - Math.min(probes.length, Math.round(probes.length * loss));
    const answered = probes.every((quality) => quality === probes[0]) ? probes.slice(0, kept)
      : probes.map((quality, i) => ({ quality, i })).sort((a, b) => a.quality.lossPermille - b.quality.lossPermille || a.i - b.i)
        .slice(0, kept).sort((a, b) => a.i - b.i).map((p) => p.quality);
    return { collection, sent, received: sent - lost, rttsUs: roundTrips(answered) };
  };
  const steady = (sent: number) => Array.from({ length: Math.min(sent, 100) }, () => measured.now);
  const testsSinceBoot = Math.max(1, Math.floor(uptimeSeconds / (probeCount * test.probeIntervalSeconds + test.testIntervalSeconds)));
  return [one(1, measured.current, measured.current.length), one(2, measured.lastCompleted, probeCount), one(4, steady(probeCount * testsSinceBoot), probeCount * testsSinceBoot)];
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
