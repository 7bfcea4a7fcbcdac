// Tokens from an OpenID provider as its clients get them, for tests of Branchline's identity
// provider: the client-credentials grant Branchline's processes use, and the authorization-code
// flow the Temporal Web UI runs, done by hand as its server and a browser would.

export interface TestClient {
  issuer: string;
  id: string;
  secret: string;
}

const basicAuth = (client: TestClient) => `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')}`;

async function tokenRequest(client: TestClient, form: Record<string, string>): Promise<{ status: number; body: Record<string, string> }> {
  const response = await fetch(`${client.issuer}/token`, {
    method: 'POST', body: new URLSearchParams(form),
    headers: { authorization: basicAuth(client), 'content-type': 'application/x-www-form-urlencoded' },
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

export const clientCredentials = (client: TestClient) => tokenRequest(client, { grant_type: 'client_credentials' });

/**
 * Signs a person in through the provider's sign-in form and exchanges the code: the tokens, or the
 * status the sign-in form answered when it refused.
 */
export async function authorizationCode(
  client: TestClient & { redirectUri: string },
  person: { email: string; password: string },
): Promise<{ accessToken: string; idToken: string } | { signInStatus: number; page: string }> {
  const cookies = new Map<string, string>();
  const step = async (url: string, init: RequestInit = {}) => {
    const cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(new URL(url, client.issuer), { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie } });
    for (const line of response.headers.getSetCookie()) {
      const [name, ...value] = line.split(';')[0]!.split('=');
      cookies.set(name!, value.join('='));
    }
    return response;
  };
  const query = new URLSearchParams({ client_id: client.id, response_type: 'code', scope: 'openid profile email', redirect_uri: client.redirectUri, state: 'state', nonce: 'nonce' });
  const signInPage = (await step(`/auth?${query}`)).headers.get('location');
  if (!signInPage) throw new Error('the provider did not lead to its sign-in page');
  let response = await step(signInPage, { method: 'POST', body: new URLSearchParams(person), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  if (response.status !== 303) return { signInStatus: response.status, page: await response.text() };
  while (!response.headers.get('location')!.startsWith(client.redirectUri)) response = await step(response.headers.get('location')!);
  const code = new URL(response.headers.get('location')!).searchParams.get('code')!;
  const tokens = await tokenRequest(client, { grant_type: 'authorization_code', code, redirect_uri: client.redirectUri });
  if (tokens.status !== 200) throw new Error(`the code was not exchanged: ${JSON.stringify(tokens.body)}`);
  return { accessToken: tokens.body['access_token']!, idToken: tokens.body['id_token']! };
}

/** A JWT's payload, unchecked (the servers check signatures; tests read what was put in). */
export const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
