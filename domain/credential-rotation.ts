// How Branchline names the login users it gives devices when it rotates their credentials, and the
// secret reference their configuration carries instead of a password hash.

/** The secret reference's name for a rotation's login (`$secret{credential-rotation/<id>}`). */
export const rotationSecretName = (rotationId: string) => `credential-rotation/${rotationId}`;

const rotatedSuffix = /-rot-[a-z0-9]{6}$/;

/** The user name a rotated name came from (itself when never rotated). */
export const loginStem = (username: string) => username.replace(rotatedSuffix, '');

/** A new login's user name: the old one's stem and a fresh suffix, so the users of one lineage are recognisable. */
export const rotatedUsername = (previous: string, suffix: string) => `${loginStem(previous)}-rot-${suffix}`;

/** Whether `name` is a login of the same lineage as `username` (its stem, or a rotation of it). */
export const sameLineage = (name: string, username: string) => loginStem(name) === loginStem(username);
