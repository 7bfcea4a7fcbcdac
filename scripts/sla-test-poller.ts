// The telemetry pollers' part, played by an SLA steering test against one simulated box: every
// 200 ms, each probed link's (or hub path's) last completed RPM test, the applications' SLA on
// it, and a signal to the site's steering on each change of that evaluation. Quicker than the real
// pollers, so a test waits on steering, not on polling.
import type { Client } from '@temporalio/client';
import { sendSlaEvaluation } from '../activities/sla-steering.ts';
import { violatesSla, type LinkMeasurement, type SlaThresholds } from '../domain/sla.ts';
import type { SimulatedDevice } from '../simulator/device.ts';
import { summarise } from '../simulator/rpm.ts';
import type { LinkState, SlaEvaluation } from '../workflows/sla-steering.messages.ts';

export interface TestPoller {
  /** Marks a change the test made: the next signal's detection is measured from it. */
  changed(): void;
  /** Milliseconds from each change the test made to the signal that reported it. */
  detections: number[];
  stop(): Promise<void>;
}

export function pollForSteering(options: {
  client: Client; siteId: string; serial: string; box: () => SimulatedDevice; applications: Record<string, SlaThresholds>;
}): TestPoller {
  let polling = true;
  let changedAt: number | null = null;
  const detections: number[] = [];
  const loop = (async () => {
    let last = '';
    let since = new Date().toISOString();
    while (polling) {
      const at = new Date().toISOString();
      const links: LinkState[] = options.box().rpmResults().map(({ test, collections }) => {
        const lastTest = collections.find((c) => c.collection === 2)!;
        const rtt = summarise(lastTest);
        const measured: LinkMeasurement | undefined = rtt && { rttMs: rtt.averageUs / 1000, jitterMs: rtt.peakToPeakUs / 1000, lossPermille: Math.round(((lastTest.sent - lastTest.received) / lastTest.sent) * 1000) };
        return { link: test.owner, up: lastTest.received > 0, ...(measured ? { measured } : {}) };
      });
      const violations = Object.fromEntries(Object.entries(options.applications).map(([application, thresholds]) =>
        [application, links.filter((l) => !l.up || (l.measured && violatesSla(thresholds, l.measured))).map((l) => l.link).sort()]));
      const key = JSON.stringify([links.map((l) => [l.link, l.up]), violations]);
      if (key !== last) {
        since = at;
        last = key;
        const evaluation: SlaEvaluation = { siteId: options.siteId, deviceSerial: options.serial, links, violations, at, changedAt: since };
        await sendSlaEvaluation(options.client, evaluation).catch(() => undefined);
        if (changedAt !== null) detections.push(Date.now() - changedAt);
        changedAt = null;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  return {
    changed: () => {
      changedAt = Date.now();
    },
    detections,
    stop: async () => {
      polling = false;
      await loop;
    },
  };
}
