/**
 * SSH keys for the tests. The public ones were made by ssh-keygen (OpenSSH 9.2) and copied here;
 * private keys are made when the tests run (none is ever stored), in the formats people paste by
 * mistake: PKCS#8 PEM, and the outlines of OpenSSH's and PuTTY's private key files.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";

/** Public keys as `ssh-keygen -t <type>` prints them, one of each type it makes. */
export const PUBLIC_KEYS = {
    ed25519: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKYLncxUc+mdC9LdZYqwDhGeBTXup+EPjSU4b0SGlZep whaly-ed25519",
    ecdsaP256:
        "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBAI8AjICzI4PK0vmPJ/2AedSMvBkaO61puktb3NZSO9dznmcRRlNxQf4v+uJrsdaH2uE0O1A1D7P31+3fLTK74g= whaly-ecdsab256",
    ecdsaP384:
        "ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBNvlu8geibZxnTvW1V2Rou3CbZ4txliA9dPUE0Dfk+YzxaKQpv7KDRvJYcuSozyYTy0NSVYxZlW6Sjc47agzvFb09dLkIL/eaH2+iEZnFZV0V9XSw9e4n/2tjLCfH5E1MA== whaly-ecdsab384",
    ecdsaP521:
        "ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBAAFab/EapGIIMvurdilkUcgjVGsi7VV1F8HiemqlKjH7Ba3c8vHi7Kg2jw/msmVxYu6Q0klH+zL5H2PW/C9h16m3wFbfLtZ/o9LFQ5X99jHs9XlPK3shb/FPahyZnscHyXiKgzMXXKErTRW2Q7vZoFoGkvV/2pnlvEbvahyc95iZwp+EQ== whaly-ecdsab521",
    rsa: "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDFwxPNyGjsyAsCfD+HoJWobi1kgyxXalNXrlQs5hIL20Q6rKN4IXsa4rl09sfWFDpYyH0RHme7cepAbju95YVcnSGWpc8oZ4x70QzskKrpncy4qHQ5FVypzaoYwFvBTlm0+1r2gx0xRvBlGNShGZuki2Fl+WkPxqTmIiB7G3fGUU4NXv2CdnHmbUCm04SmA87AiMjIk9MS3tQP33FI5ZSm8mQj9371Cgf828DRWO7YDTTluw+6p1o99ImEw69WOcZ5vg9610uw+5fGxHQx00pUTc+i7vDQpI6tWDIpSGFum4RmH1rVz+NYVb5J4Dl6Leps9Nbh74R6aUeGRnUwcGhv whaly-rsab2048",
    dsa: "ssh-dss AAAAB3NzaC1kc3MAAACBAP8bQVYcqm59k6zF22XywFxafI9OKUXLXos5JNTw72MbaojqTqdFPexuCzwNOYx7TbiRxtF9J9Qa/Zw81er4ScZayrztoTxIh9T4yXMM02eESP2j/OwlV0pFhag8iXjJ9HaCoCDQWNHjdtIMp2DTMrfUz9XH9WTV3sKUGZO0v55zAAAAFQCh4c2J9HTGVopsdz9E+WxeFalaGQAAAIEA4aFqKiJDVpG8GnOBGA74rEW2TnqsTe9qyF8xmGFeUqLIlHlHtcB89KLNpHqz4BHPmppsOuWPGpVzJTGkfpoyX4oxtG1Z1PpICLwqZkWp89R6d/fB7Og5ZqsMNSj2lmKfVbUuBVtRPlgztnlW5FvkE4FNeDLGWuPOFMKCmmOf+JcAAACAWz5YLVG+hafCxRCK5H3x69VJc6wWjV/Z5t8z5E71a/71L/yq2Hvz4Dlh1T+HNheMxE52+UTpF84ihPuXqYegV8X0WWG6DBpQWhLZg807vhn9NMLbwwOwc3PTeFjrKq8Lw55dhYruZOnBg8dmsIiQbja64pOmTQELcqF8kGdwN4s= whaly-dsa",
};

/** Private keys, made now: what must never be printed. */
export function privateKeys(): { pkcs8: string; openssh: string; putty: string } {
    const pkcs8 = generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const body = (bytes: number) => randomBytes(bytes).toString("base64").replace(/.{70}/g, "$&\n");
    return {
        pkcs8,
        openssh: `-----BEGIN OPENSSH PRIVATE KEY-----\n${body(300)}\n-----END OPENSSH PRIVATE KEY-----\n`,
        putty: `PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: whaly\nPublic-Lines: 2\n${body(51)}\nPrivate-Lines: 1\n${body(48)}\nPrivate-MAC: ${randomBytes(32).toString("hex")}\n`,
    };
}
