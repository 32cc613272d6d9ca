//! Which peers are trusted reverse proxies (`--trusted-proxies`), and the client address behind
//! them. Behind a proxy every connection comes from the proxy, so sign-in throttling would
//! count all clients as one; the proxy names the client in `X-Forwarded-For`, but anyone can
//! send that header, so it is read only when the connection comes from a trusted proxy.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

/// An address block such as `10.0.0.0/8` or `2001:db8::/32`; a bare address is a block of one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

fn bits(addr: IpAddr) -> (u128, u8) {
    match addr {
        IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32),
        IpAddr::V6(v6) => (u128::from(v6), 128),
    }
}

/// The address of the same family as `like` whose bits are `bits`.
fn from_bits(bits: u128, like: IpAddr) -> IpAddr {
    match like {
        IpAddr::V4(_) => IpAddr::V4((bits as u32).into()),
        IpAddr::V6(_) => IpAddr::V6(bits.into()),
    }
}

/// A `width`-bit number with its top `prefix` bits set.
fn mask(prefix: u8, width: u8) -> u128 {
    let all = u128::MAX >> (128 - width);
    all & !all.checked_shr(u32::from(prefix)).unwrap_or(0)
}

impl Cidr {
    pub fn contains(&self, addr: IpAddr) -> bool {
        let addr = addr.to_canonical();
        if addr.is_ipv4() != self.addr.is_ipv4() {
            return false;
        }
        let (net, width) = bits(self.addr);
        let (host, _) = bits(addr);
        let mask = mask(self.prefix, width);
        host & mask == net & mask
    }
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let (addr, prefix) = text.split_once('/').unwrap_or((text, ""));
        let addr: IpAddr = addr.parse().map_err(|_| {
            format!("{text:?} is not an address block such as 10.0.0.0/8 or 2001:db8::/32")
        })?;
        let addr = addr.to_canonical();
        let (net, width) = bits(addr);
        let prefix = if prefix.is_empty() {
            width
        } else {
            prefix
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= width)
                .ok_or_else(|| format!("{text:?}: the prefix length must be 0 to {width}"))?
        };
        if net & !mask(prefix, width) != 0 {
            let base = from_bits(net & mask(prefix, width), addr);
            return Err(format!(
                "{text:?} has address bits set past its /{prefix}; the block is {base}/{prefix}"
            ));
        }
        Ok(Self { addr, prefix })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

fn trusted(proxies: &[Cidr], addr: IpAddr) -> bool {
    proxies.iter().any(|c| c.contains(addr))
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`[2001:db8::1]:443`).
fn hop(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    entry
        .parse::<IpAddr>()
        .or_else(|_| entry.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

/// The client behind `peer`: `peer` itself unless it is a trusted proxy; then the nearest
/// address in `forwarded_for` (the `X-Forwarded-For` values in order, each a comma-separated
/// list, nearest last) that is not a trusted proxy. `None` in `forwarded_for` is a value that
/// is not text. A header that cannot be read whole is ignored: the peer is the client.
pub fn client_of<'a>(
    proxies: &[Cidr],
    peer: IpAddr,
    forwarded_for: impl IntoIterator<Item = Option<&'a str>>,
) -> IpAddr {
    if !trusted(proxies, peer) {
        return peer;
    }
    let mut hops = Vec::new();
    for value in forwarded_for {
        let Some(value) = value else { return peer };
        for entry in value.split(',') {
            match hop(entry) {
                Some(ip) => hops.push(ip),
                None => return peer,
            }
        }
    }
    // Walk from the nearest hop; the first one that is not ours is the client. When every
    // hop is a trusted proxy, the farthest one is the client.
    hops.iter()
        .rev()
        .find(|ip| !trusted(proxies, **ip))
        .or(hops.first())
        .copied()
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cidrs(list: &[&str]) -> Vec<Cidr> {
        list.iter().map(|c| c.parse().unwrap()).collect()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn blocks_parse_and_contain_what_they_should() {
        let lan: Cidr = "10.0.0.0/8".parse().unwrap();
        assert!(lan.contains(ip("10.255.0.1")));
        assert!(!lan.contains(ip("11.0.0.1")));
        assert!(lan.contains(ip("::ffff:10.1.2.3")), "IPv4-mapped IPv6");
        assert!(!lan.contains(ip("2001:db8::1")));
        let one: Cidr = " 127.0.0.1 ".parse().unwrap();
        assert_eq!(one.to_string(), "127.0.0.1/32");
        assert!(one.contains(ip("127.0.0.1")) && !one.contains(ip("127.0.0.2")));
        let v6: Cidr = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains(ip("2001:db8:ffff::1")));
        assert!(!v6.contains(ip("2001:db9::1")));
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("203.0.113.9")) && !all.contains(ip("::1")));
        let host6: Cidr = "::1/128".parse().unwrap();
        assert!(host6.contains(ip("::1")) && !host6.contains(ip("::2")));
        let odd: Cidr = "192.168.0.0/23".parse().unwrap();
        assert!(odd.contains(ip("192.168.1.255")) && !odd.contains(ip("192.168.2.0")));
    }

    #[test]
    fn bad_blocks_are_refused_with_what_is_wrong() {
        let err = |text: &str| text.parse::<Cidr>().unwrap_err();
        assert!(err("proxy.local").contains("not an address block"));
        assert!(err("").contains("not an address block"));
        assert!(err("10.0.0.0/33").contains("0 to 32"));
        assert!(err("::/129").contains("0 to 128"));
        assert!(err("10.0.0.0/x").contains("0 to 32"));
        let host_bits = err("10.1.2.3/8");
        assert!(host_bits.contains("the block is 10.0.0.0/8"), "{host_bits}");
    }

    #[test]
    fn the_header_is_read_only_from_trusted_peers() {
        let proxies = cidrs(&["10.0.0.0/8"]);
        let header = [Some("203.0.113.9")];
        assert_eq!(
            client_of(&proxies, ip("198.51.100.1"), header),
            ip("198.51.100.1"),
            "an untrusted peer's header is ignored"
        );
        assert_eq!(
            client_of(&proxies, ip("10.0.0.2"), header),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_of(&[], ip("10.0.0.2"), header),
            ip("10.0.0.2"),
            "no proxies trusted by default"
        );
        assert_eq!(
            client_of(&proxies, ip("10.0.0.2"), []),
            ip("10.0.0.2"),
            "no header: the proxy itself"
        );
    }

    #[test]
    fn the_walk_goes_from_the_right_skipping_trusted_hops() {
        let proxies = cidrs(&["10.0.0.0/8", "2001:db8:ffff::/48"]);
        let peer = ip("10.0.0.2");
        // The client can write anything to the left; only the hops our proxies added count.
        assert_eq!(
            client_of(&proxies, peer, [Some("1.1.1.1, 203.0.113.9, 10.0.0.7")]),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_of(
                &proxies,
                peer,
                [Some("1.1.1.1"), Some("203.0.113.9,10.0.0.7")]
            ),
            ip("203.0.113.9"),
            "several header lines are one list"
        );
        assert_eq!(
            client_of(&proxies, peer, [Some("2001:db8::5, 2001:db8:ffff::1")]),
            ip("2001:db8::5")
        );
        assert_eq!(
            client_of(&proxies, peer, [Some("[2001:db8::5]:4431, 203.0.113.9:80")]),
            ip("203.0.113.9"),
            "ports are dropped"
        );
        assert_eq!(
            client_of(&proxies, peer, [Some("10.0.0.9, 10.0.0.7")]),
            ip("10.0.0.9"),
            "all hops trusted: the farthest"
        );
    }

    #[test]
    fn a_malformed_header_is_ignored() {
        let proxies = cidrs(&["10.0.0.0/8"]);
        let peer = ip("10.0.0.2");
        for bad in [
            "",
            "unknown",
            "203.0.113.9,,",
            "203.0.113.9 203.0.113.10",
            "_hidden",
        ] {
            assert_eq!(client_of(&proxies, peer, [Some(bad)]), peer, "{bad:?}");
        }
        assert_eq!(
            client_of(&proxies, peer, [Some("203.0.113.9"), None]),
            peer,
            "a value that is not text"
        );
    }
}
