// What npm run test:e2e tells the specs about the world it built (scripts/e2e-fleet.ts).
import type { Page } from '@playwright/test';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Set ${name}: npm run test:e2e starts the simulated fleet and sets it.`);
  return value;
}

const list = (name: string) => required(name).split(',');

export const e2eFleet = {
  /** Factory-default boxes phoning home: they wait among the unclaimed devices. */
  factorySerials: () => list('E2E_FACTORY_SERIALS'),
  factoryControlUrl: () => required('E2E_FACTORY_CONTROL_URL'),
  /** Boxes still in their cartons: powered off, they have never phoned home. */
  cartonSerials: () => list('E2E_CARTON_SERIALS'),
  cartonControlUrl: () => required('E2E_CARTON_CONTROL_URL'),
  /** The tenant whose sites are in service on simulated boxes. */
  tenant: () => required('E2E_FLEET_TENANT'),
  sites: () => list('E2E_FLEET_SITES'),
  serials: () => list('E2E_FLEET_SERIALS'),
  controlUrl: () => required('E2E_FLEET_CONTROL_URL'),
  /** The catalogue's image that is the tenant's target: model and version. */
  image: () => {
    const [model, version] = required('E2E_FLEET_IMAGE').split(' ');
    return { model: model!, version: version! };
  },
  /** The site group (tag) of the tenant's other in-service sites, for bulk upgrades: never the sites above. */
  upgradePilotTag: () => required('E2E_UPGRADE_PILOT_TAG'),
  upgradePilotSites: () => list('E2E_UPGRADE_PILOT_SITES'),
  /** The site with two WAN links (MPLS and broadband) the SLA specs steer, and its box. */
  slaSite: () => required('E2E_SLA_SITE'),
  slaSerial: () => required('E2E_SLA_SERIAL'),
  /** The site whose box the configuration spec changes by hand, rolls back and re-applies; its box and the control API it answers. */
  configurationSite: () => required('E2E_CONFIGURATION_SITE'),
  configurationSerial: () => required('E2E_CONFIGURATION_SERIAL'),
  configurationControlUrl: () => required('E2E_CONFIGURATION_CONTROL_URL'),
  /** The site with a universal CPE (an NFX250) the network-service spec chains VNFs on, its box, and the template it instantiates. */
  ucpeSite: () => required('E2E_UCPE_SITE'),
  ucpeSerial: () => required('E2E_UCPE_SERIAL'),
  ucpeControlUrl: () => required('E2E_UCPE_CONTROL_URL'),
  serviceTemplate: () => required('E2E_SERVICE_TEMPLATE'),
  /** The site page spec's factory-default box (it phones home once given its site's activation code), and its control API. */
  sitePageSerial: () => required('E2E_SITE_PAGE_SERIAL'),
  sitePageControlUrl: () => required('E2E_SITE_PAGE_CONTROL_URL'),
  /** The site whose box the alarms spec powers off and on again; its box and the control API it answers. */
  alarmSite: () => required('E2E_ALARM_SITE'),
  alarmSerial: () => required('E2E_ALARM_SERIAL'),
  alarmControlUrl: () => required('E2E_ALARM_CONTROL_URL'),
  /** The site whose device the credentials spec gives a profile of its own and rotates the login of. */
  credentialsSite: () => required('E2E_CREDENTIALS_SITE'),
  /** What the fleet's boxes are logged in to and polled with as they come: user, password, SNMP community. */
  deviceLogin: () => {
    const [username, password, community] = list('E2E_DEVICE_LOGIN');
    return { username: username!, password: password!, community: community! };
  },
  /** The policies spec's tenant (no other spec's) and its sites in service, each with a Staff department. */
  policyTenant: () => required('E2E_POLICY_TENANT'),
  policySites: () => list('E2E_POLICY_SITES'),
};

/** Collects the page's console errors; check it is empty at the end of a test. */
export function consoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}
