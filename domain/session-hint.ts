// The signed-in hint: a cookie the UI may read, set beside the (HTTP-only) session cookie and
// cleared with it. It holds no secret; it tells the UI a session may exist, so a first visit
// shows the sign-in form without asking the API (whose 401 a browser logs as an error).
export const signedInHintCookie = 'branchline_signed_in';

/** Whether the browser's cookies carry the hint. */
export function hasSignedInHint(cookies: string): boolean {
  return cookies.split(';').some((cookie) => cookie.trim().startsWith(`${signedInHintCookie}=`));
}
