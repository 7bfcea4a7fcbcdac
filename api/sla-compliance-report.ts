// SLA compliance reports as documents: one CSV table (a row per link and policy, and per steered
// application) that a spreadsheet reads, and a PDF of the same figures for people. The figures
// come from domain/sla-report.ts; this only lays them out.
import PDFDocument from 'pdfkit';
import type { SiteReport } from '../inventory/sla-report.ts';
import type { MetricResolution } from '../domain/link-rollups.ts';

export interface ReportHeading {
  /** "Mechelen pharmacy", or the tenant's name for a tenant's report. */
  subject: string;
  from: Date;
  to: Date;
  resolution: MetricResolution;
}

const csvColumns = [
  'scope', 'site', 'link', 'link_type', 'policy', 'profile', 'application', 'minutes_measured', 'minutes_within_sla', 'percent_within_sla',
  'violations', 'switches', 'avg_rtt_ms', 'avg_jitter_ms', 'avg_loss_permille', 'link_at_end',
] as const;

/** RFC 4180 quoting; a text a spreadsheet would take for a formula is kept as text. */
function cell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function complianceCsv(reports: readonly SiteReport[]): string {
  const rows: (string | number | null)[][] = [];
  for (const site of reports) {
    for (const l of site.links) {
      rows.push(['link', site.siteName, l.link, l.type, l.policy, l.profile, null, l.minutesMeasured, l.minutesWithinSla, l.percentWithinSla, l.violations, null,
        l.averages?.rttMs ?? null, l.averages?.jitterMs ?? null, l.averages?.lossPermille ?? null, null]);
    }
    for (const a of site.applications) {
      rows.push(['application', site.siteName, null, null, a.policy, null, a.application, a.minutesMeasured, a.minutesWithinSla, a.percentWithinSla, a.violations, a.switches,
        null, null, null, a.link]);
    }
  }
  return [csvColumns.join(','), ...rows.map((row) => row.map(cell).join(','))].join('\r\n') + '\r\n';
}

const percentText = (value: number | null) => (value === null ? 'no data' : `${value.toFixed(2)} %`);
const dateText = (date: Date) => date.toISOString().replace('T', ' ').replace(/:\d\d\.\d{3}Z$/, ' UTC');

/** A PDF of the same figures: per site, a table of its links against each policy, then its applications. */
export function compliancePdf(heading: ReportHeading, reports: readonly SiteReport[]): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 40, info: { Title: `SLA compliance: ${heading.subject}`, Author: 'Branchline' } });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const left = doc.page.margins.left;
  const bottom = () => doc.page.height - doc.page.margins.bottom;

  /** Rows at fixed columns, the header repeated on a new page. */
  function table(columns: { title: string; width: number }[], rows: string[][]) {
    const line = (cells: string[], bold: boolean) => {
      if (doc.y + 14 > bottom()) doc.addPage();
      const y = doc.y;
      doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(8);
      let x = left;
      cells.forEach((text, i) => {
        doc.text(text, x, y, { width: columns[i]!.width - 4, lineBreak: false, ellipsis: true });
        x += columns[i]!.width;
      });
      doc.x = left;
      doc.y = y + 13;
    };
    line(columns.map((c) => c.title), true);
    for (const row of rows) line(row, false);
    doc.moveDown(0.8);
  }

  doc.font('Helvetica-Bold').fontSize(16).text(`SLA compliance: ${heading.subject}`);
  doc.font('Helvetica').fontSize(9).fillColor('#374151')
    .text(`From ${dateText(heading.from)} to ${dateText(heading.to)}, from the ${heading.resolution === 'minute' ? 'one-minute' : 'hourly'} rollups of each WAN link's probes.`)
    .text('Within SLA: the share of measured time the link (or the link the application was on) met the policy\'s SLA profile; a time with no probe answered counts as out of it. Violations: the times it fell out of it.')
    .fillColor('black');
  doc.moveDown();
  if (reports.length === 0) doc.fontSize(10).text('No site steers by an application SLA policy.');
  for (const site of reports) {
    if (doc.y + 80 > bottom()) doc.addPage();
    doc.font('Helvetica-Bold').fontSize(12).text(site.siteName, left);
    doc.moveDown(0.3);
    if (site.links.length === 0) {
      doc.font('Helvetica').fontSize(9).text('No application SLA policy breaking out locally.');
      doc.moveDown();
      continue;
    }
    table(
      [{ title: 'Link', width: 70 }, { title: 'Policy (profile)', width: 120 }, { title: 'Within SLA', width: 60 }, { title: 'Minutes', width: 50 },
        { title: 'Violations', width: 50 }, { title: 'Round trip', width: 60 }, { title: 'Jitter', width: 50 }, { title: 'Loss', width: 50 }],
      site.links.map((l) => [`${l.link} (${l.type})`, `${l.policy} (${l.profile})`, percentText(l.percentWithinSla), String(l.minutesMeasured), String(l.violations),
        l.averages ? `${l.averages.rttMs} ms` : '—', l.averages ? `${l.averages.jitterMs} ms` : '—', l.averages ? `${l.averages.lossPermille} ‰` : '—']),
    );
    table(
      [{ title: 'Application', width: 90 }, { title: 'Policy', width: 100 }, { title: 'Within SLA', width: 60 }, { title: 'Minutes', width: 50 },
        { title: 'Violations', width: 50 }, { title: 'Switches', width: 50 }, { title: 'Link at the end', width: 110 }],
      site.applications.map((a) => [a.application, a.policy, percentText(a.percentWithinSla), String(a.minutesMeasured), String(a.violations), String(a.switches), a.link ?? 'none']),
    );
  }
  doc.end();
  return done;
}
