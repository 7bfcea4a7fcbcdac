// Who is signed in, as the API last said. The API helper ends the session on any 401, so an
// expired session anywhere brings the sign-in form back instead of a page of errors.
export type Permission = 'read' | 'write' | 'execute';

export interface Grant {
  scope: 'global' | 'opco' | 'tenant';
  opcoId: string | null;
  tenantId: string | null;
  role: string;
  permissions: Record<string, Permission[]>;
}

export interface Session {
  user: { id: string; email: string; displayName: string };
  grants: Grant[];
}

class SessionState {
  /** Undefined until the API has answered whether anyone is signed in. */
  current = $state<Session | null | undefined>(undefined);
  /** Why the sign-in form is back, told to the person on it. */
  notice = $state('');

  begin(session: Session) {
    this.current = session;
    this.notice = '';
  }

  end(notice = '') {
    this.current = null;
    this.notice = notice;
  }

  /** The API refused the session: only someone who was signed in needs telling why. */
  expire() {
    if (this.current) this.end('Your session has ended. Sign in again.');
    else this.current = null;
  }
}

export const session = new SessionState();
