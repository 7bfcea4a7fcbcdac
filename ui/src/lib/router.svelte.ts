// Client-side routing: the API answers index.html for every path outside /api, so the address bar
// is the page. Links are plain <a href>; a click on one inside the app moves without a reload.
class Location {
  path = $state(window.location.pathname);
  search = $state(window.location.search);

  constructor() {
    window.addEventListener('popstate', () => this.sync());
    document.addEventListener('click', (event) => this.follow(event));
  }

  navigate(href: string, options: { replace?: boolean } = {}) {
    if (options.replace) history.replaceState(null, '', href);
    else history.pushState(null, '', href);
    this.sync();
    window.scrollTo(0, 0);
  }

  private sync() {
    this.path = window.location.pathname;
    this.search = window.location.search;
  }

  /** Same-origin links to the app's own pages; the API, new tabs and modified clicks go to the browser. */
  private follow(event: MouseEvent) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = (event.target as Element | null)?.closest('a');
    if (!anchor || anchor.target || anchor.hasAttribute('download') || anchor.origin !== window.location.origin) return;
    if (anchor.pathname.startsWith('/api/')) return;
    event.preventDefault();
    this.navigate(anchor.pathname + anchor.search);
  }
}

export const location = new Location();

/** The page of a run, whose workflow id has slashes of its own (`site-onboard/<siteId>`). */
export const runHref = (workflowId: string) => `/runs/${workflowId.split('/').map(encodeURIComponent).join('/')}`;

/** The RMA wizard, for one device (the Devices page's action) or for any. */
export const replaceDeviceHref = '/rma/new';

/** A device's configuration: its versions, their diffs, rollback, and its drift. */
export const deviceConfigurationHref = (deviceId: string) => `/devices/${deviceId}/configuration`;

/** A site's page: its status and actions, devices, links, tunnels, LAN, policies, alarms and runs. */
export const siteHref = (siteId: string) => `/sites/${siteId}`;

/** A device's page: its facts and live state, interfaces, tunnels, configuration, runs and alarms. */
export const deviceHref = (deviceId: string) => `/devices/${deviceId}`;

/** The credential profiles Branchline logs in to devices with, per tenant. */
export const credentialProfilesHref = '/devices/credentials';
