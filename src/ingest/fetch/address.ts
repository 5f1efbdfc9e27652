import net from 'node:net';

/**
 * Is this IP address one a feed fetch may connect to? Only globally routable
 * unicast addresses pass: loopback, private (RFC 1918), link-local, CGNAT,
 * multicast, unspecified, documentation/benchmark ranges, IPv6 ULA and every
 * IPv4-in-IPv6 form (mapped, compatible, Teredo) are refused. NAT64 and 6to4
 * addresses are judged by the IPv4 address they embed.
 *
 * Anything that is not a well-formed IP literal is refused too, so callers can
 * never "fail open" on an odd string.
 */
export function isPublicAddress(ip: string): boolean {
  const kind = net.isIP(stripZone(ip));
  if (kind === 4) return isPublicIPv4(ipv4Bytes(ip));
  if (kind === 6) return isPublicIPv6(ipv6Groups(ip));
  return false;
}

function stripZone(ip: string): string {
  const pct = ip.indexOf('%');
  return pct >= 0 ? ip.slice(0, pct) : ip;
}

function ipv4Bytes(ip: string): number[] {
  return ip.split('.').map((p) => Number.parseInt(p, 10));
}

function isPublicIPv4([a = 0, b = 0, c = 0]: number[]): boolean {
  if (a === 0) return false; // "this network", incl. 0.0.0.0
  if (a === 10) return false; // private
  if (a === 100 && (b & 0xc0) === 64) return false; // CGNAT 100.64/10
  if (a === 127) return false; // loopback
  if (a === 169 && b === 254) return false; // link-local, cloud metadata
  if (a === 172 && (b & 0xf0) === 16) return false; // private 172.16/12
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return false; // IETF assignments, TEST-NET-1
  if (a === 192 && b === 88 && c === 99) return false; // 6to4 relay anycast
  if (a === 192 && b === 168) return false; // private
  if (a === 198 && (b & 0xfe) === 18) return false; // benchmarking 198.18/15
  if (a === 198 && b === 51 && c === 100) return false; // TEST-NET-2
  if (a === 203 && b === 0 && c === 113) return false; // TEST-NET-3
  if (a >= 224) return false; // multicast, reserved, broadcast
  return true;
}

/** Eight 16-bit groups of a valid IPv6 literal (zone and embedded IPv4 handled). */
function ipv6Groups(ip: string): number[] {
  let s = stripZone(ip).toLowerCase();
  const tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  const last = s.slice(lastColon + 1);
  if (last.includes('.')) {
    const [a = 0, b = 0, c = 0, d = 0] = ipv4Bytes(last);
    tail.push((a << 8) | b, (c << 8) | d);
    s = s.slice(0, lastColon + 1);
    if (!s.endsWith('::')) s = s.slice(0, -1);
  }
  const hex = (part: string) => (part === '' ? [] : part.split(':').map((h) => Number.parseInt(h, 16)));
  const doubleColon = s.indexOf('::');
  let groups: number[];
  if (doubleColon >= 0) {
    const head = hex(s.slice(0, doubleColon));
    const rest = hex(s.slice(doubleColon + 2));
    const zeros = 8 - tail.length - head.length - rest.length;
    groups = [...head, ...new Array<number>(Math.max(0, zeros)).fill(0), ...rest];
  } else {
    groups = hex(s);
  }
  return [...groups, ...tail];
}

function isPublicIPv6(g: number[]): boolean {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  // NAT64 well-known prefix 64:ff9b::/96 carries an IPv4 address: judge that one.
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    return isPublicIPv4([g6 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff]);
  }
  // Only global unicast 2000::/3 is routable. This one test refuses ::, ::1,
  // IPv4-mapped/compatible/translated, ULA fc00::/7, link-local fe80::/10,
  // site-local fec0::/10, multicast ff00::/8, discard 100::/64 and more.
  if ((g0 & 0xe000) !== 0x2000) return false;
  if (g0 === 0x2001 && g1 < 0x0200) return false; // 2001::/23 IETF special purpose, incl. Teredo 2001::/32
  if (g0 === 0x2001 && g1 === 0x0db8) return false; // documentation
  if (g0 === 0x3fff && (g1 & 0xf000) === 0) return false; // documentation 3fff::/20
  if (g0 === 0x2002) return isPublicIPv4([g1 >> 8, g1 & 0xff, g2 >> 8, g2 & 0xff]); // 6to4
  return true;
}
