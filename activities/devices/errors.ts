// The device layer's errors: a shallow family that maps one-to-one onto retryable or permanent
// (STYLE: napalm's habit). Transports throw these; activities turn them into ApplicationFailure
// with the same type, non-retryable when permanent.

export type DeviceErrorKind =
  /** Nothing answers at the address (refused, host down, reset). */
  | 'unreachable'
  /** It answered too slowly, or not at all within the deadline. */
  | 'timeout'
  /** Credentials refused. */
  | 'auth'
  /** The device presented another SSH host key than the one on record. */
  | 'host-key-changed'
  /** Another session holds the lock, or the resource is busy. */
  | 'lock-held'
  /** The device refused the request or the configuration (validation, rpc-error). */
  | 'rejected'
  /**
   * A change cut the device off: it stopped answering once the change was committed, and reverted
   * it on its own when no confirm came. Applying it again would cut the device off again.
   */
  | 'management-path-lost'
  /** The object asked for does not exist on the device. */
  | 'no-such-object'
  /** The device broke the protocol. */
  | 'protocol';

const retryable: Record<DeviceErrorKind, boolean> = {
  unreachable: true,
  timeout: true,
  'lock-held': true,
  auth: false,
  'host-key-changed': false,
  rejected: false,
  'management-path-lost': false,
  'no-such-object': false,
  protocol: false,
};

export class DeviceError extends Error {
  override name = 'DeviceError';
  readonly retryable: boolean;

  constructor(
    readonly kind: DeviceErrorKind,
    message: string,
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.retryable = retryable[kind];
  }
}

/**
 * Why a device refused a lock, when it said: another session holds it; a confirmed commit waits
 * for its confirm; or the candidate holds changes nobody committed or discarded.
 */
export type LockRefusal = 'held' | 'commit-pending' | 'candidate-dirty';

export function lockRefusal(error: unknown): LockRefusal | undefined {
  if (!(error instanceof DeviceError) || error.kind !== 'lock-held') return undefined;
  return (error.details['lockRefusal'] as LockRefusal | undefined) ?? 'held';
}

/**
 * Any error a device's answer caused, as a device error: a reply that is not XML, or not what
 * the protocol promises, is the device breaking the protocol (permanent), not a passing fault.
 */
export function asDeviceError(error: unknown, target = 'the device'): unknown {
  if (error instanceof DeviceError) return error;
  if (error instanceof Error && (error.name === 'XmlError' || error.name === 'FramingError')) {
    return new DeviceError('protocol', `${target} sent a reply that cannot be read: ${error.message}`, {}, { cause: error });
  }
  return error;
}

/** Maps a socket error onto the family. */
export function fromSocketError(error: NodeJS.ErrnoException, target: string): DeviceError {
  const code = error.code ?? '';
  if (['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE', 'EADDRNOTAVAIL'].includes(code)) {
    return new DeviceError('unreachable', `${target} is unreachable (${code})`, { code }, { cause: error });
  }
  if (code === 'ETIMEDOUT' || /timed out/i.test(error.message)) {
    return new DeviceError('timeout', `${target} did not answer in time`, { code }, { cause: error });
  }
  if (/authentication/i.test(error.message) || (error as { level?: string }).level === 'client-authentication') {
    return new DeviceError('auth', `${target} refused the credentials`, {}, { cause: error });
  }
  return new DeviceError('unreachable', `${target}: ${error.message}`, { code }, { cause: error });
}
