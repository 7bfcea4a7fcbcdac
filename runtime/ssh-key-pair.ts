// SSH key pairs, for simulated devices' host keys and for the logins Branchline gives devices.
import ssh2 from 'ssh2';

/**
 * An ed25519 key pair in OpenSSH format. ssh2's generator drops a leading zero byte of the key
 * about once in 256 keys, and then cannot read its own output: such keys are drawn again.
 */
export function generateKeyPair(): { private: string; public: string } {
  for (;;) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519');
    if (!(ssh2.utils.parseKey(pair.private) instanceof Error) && !(ssh2.utils.parseKey(pair.public) instanceof Error)) return pair;
  }
}
