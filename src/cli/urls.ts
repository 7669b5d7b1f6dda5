import { isIPv6 } from 'node:net';
import { networkInterfaces } from 'node:os';

/** Whether `host` is a wildcard address: it listens on every interface, but no browser can open it. */
export function isEveryInterface(host: string): boolean {
  // The URL parser writes any spelling of the IPv6 wildcard (::, ::0, 0:0:0:0:0:0:0:0) as [::].
  return host === '0.0.0.0' || (isIPv6(host) && new URL(`http://[${host}]/`).hostname === '[::]');
}

/**
 * The URLs a server listening on host:port can be opened at. For a wildcard: the loopback one for
 * this machine, then one per address other devices can reach it on, IPv4 first. `scheme` is https
 * for a server over TLS.
 */
export function servingUrls(host: string, port: number, interfaces = networkInterfaces(), scheme: 'http' | 'https' = 'http'): string[] {
  const url = (address: string) => `${scheme}://${address.includes(':') ? `[${address}]` : address}:${port}/`;
  if (!isEveryInterface(host)) return [url(host)];
  const external = Object.values(interfaces)
    .flatMap((addresses) => addresses ?? [])
    .filter((i) => !i.internal);
  const ipv4 = external.filter((i) => i.family === 'IPv4').map((i) => i.address);
  // 0.0.0.0 takes IPv4 only, while Node listens on :: for both (it turns IPV6_V6ONLY off), so
  // 127.0.0.1 and the IPv4 addresses work either way. Link-local IPv6 (fe80::/10) is left out: it
  // needs a zone (%eth0) that browsers refuse in URLs.
  const ipv6 = host === '0.0.0.0' ? [] : external.filter((i) => i.family === 'IPv6' && !/^fe[89ab]/i.test(i.address)).map((i) => i.address);
  return [...new Set(['127.0.0.1', ...ipv4, ...ipv6])].map(url);
}
