//! Serving-fleet endpoints: parsing a `--backend` URL and deciding whether bisum may talk
//! to it. Compiled in every build (no HTTP client here), so the policy is tested everywhere.
//!
//! bisum's users handle material that must not leave their network: an endpoint is
//! accepted only when every address it resolves to is loopback, private (RFC 1918,
//! RFC 4193) or link-local, unless the user says otherwise in so many words.

use crate::error::{Error, Result};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use url::Url;

/// Where an address sits, from the site's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    /// This machine (127.0.0.0/8, ::1).
    Loopback,
    /// The site's own network: 10/8, 172.16/12, 192.168/16, 100.64/10 (carrier-grade
    /// NAT, used inside enclaves too), fc00::/7.
    Private,
    /// The local link: 169.254/16, fe80::/10.
    LinkLocal,
    /// Anything else: the internet, documentation ranges, multicast, unspecified.
    Public,
}

impl Reach {
    pub fn of(ip: IpAddr) -> Reach {
        match ip {
            IpAddr::V4(v4) => reach_v4(v4),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => reach_v4(v4),
                None => reach_v6(v6),
            },
        }
    }
}

fn reach_v4(ip: Ipv4Addr) -> Reach {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        Reach::Loopback
    } else if ip.is_private() || (a == 100 && (64..128).contains(&b)) {
        Reach::Private
    } else if ip.is_link_local() {
        Reach::LinkLocal
    } else {
        Reach::Public
    }
}

fn reach_v6(ip: Ipv6Addr) -> Reach {
    let first = ip.segments()[0];
    if ip.is_loopback() {
        Reach::Loopback
    } else if first & 0xfe00 == 0xfc00 {
        Reach::Private
    } else if first & 0xffc0 == 0xfe80 {
        Reach::LinkLocal
    } else {
        Reach::Public
    }
}

/// One OpenAI-compatible server: its base URL, the one its API paths hang from
/// (`BASE/chat/completions`, `BASE/models`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    base: Url,
}

impl Endpoint {
    /// Parses `--backend`'s value: `http://` or `https://`, a host, no user name or password
    /// (a secret on the command line is visible to every user of the machine; see
    /// `--api-key-env`).
    pub fn parse(s: &str) -> Result<Endpoint> {
        let bad = |reason: &str| Error::Endpoint {
            url: s.to_string(),
            reason: reason.to_string(),
        };
        let mut base = Url::parse(s).map_err(|e| bad(&e.to_string()))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(bad("only http:// and https:// endpoints are supported"));
        }
        if base.host().is_none() {
            return Err(bad("no host"));
        }
        if !base.username().is_empty() || base.password().is_some() {
            // The message must not repeat the secret it warns about.
            let _ = base.set_username("");
            let _ = base.set_password(None);
            return Err(Error::Endpoint {
                url: base.to_string(),
                reason:
                    "credentials in the URL would show in `ps`; use --api-key-env or --api-key-file"
                        .into(),
            });
        }
        if base.query().is_some() || base.fragment().is_some() {
            return Err(bad("a base URL takes no query or fragment"));
        }
        let path = base.path().trim_end_matches('/').to_string();
        base.set_path(&path);
        Ok(Endpoint { base })
    }

    /// The URL of an API path under the base (`chat/completions`, `models`).
    pub fn api(&self, path: &str) -> String {
        format!("{}/{path}", self.base.as_str().trim_end_matches('/'))
    }

    /// The URL of a path at the server's root (llama-server's `/props`).
    pub fn root(&self, path: &str) -> String {
        format!("{}{path}", self.base.origin().ascii_serialization())
    }

    /// As written in provenance and messages.
    pub fn as_str(&self) -> &str {
        self.base.as_str()
    }

    fn host_port(&self) -> (String, u16) {
        let host = match self.base.host() {
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            Some(h) => h.to_string(),
            None => String::new(),
        };
        (host, self.base.port_or_known_default().unwrap_or(80))
    }

    /// The addresses the host stands for: itself when it is one, else the resolver's
    /// answer (the connection goes to one of these, so each must pass).
    pub fn addresses(&self) -> Result<Vec<IpAddr>> {
        let (host, port) = self.host_port();
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Ok(vec![ip]);
        }
        let found: Vec<IpAddr> = (host.as_str(), port)
            .to_socket_addrs()
            .map_err(|e| Error::Endpoint {
                url: self.as_str().to_string(),
                reason: format!("cannot resolve {host}: {e}"),
            })?
            .map(|a: SocketAddr| a.ip())
            .collect();
        if found.is_empty() {
            return Err(Error::Endpoint {
                url: self.as_str().to_string(),
                reason: format!("{host} resolves to no address"),
            });
        }
        Ok(found)
    }

    /// Refuses an endpoint any of whose addresses is public, unless `allow_public`; returns
    /// the widest reach among them, for provenance.
    pub fn check(&self, addresses: &[IpAddr], allow_public: bool) -> Result<Reach> {
        let widest = addresses
            .iter()
            .map(|ip| Reach::of(*ip))
            .max()
            .unwrap_or(Reach::Public);
        if widest == Reach::Public && !allow_public {
            let public: Vec<String> = addresses
                .iter()
                .filter(|ip| Reach::of(**ip) == Reach::Public)
                .map(|ip| ip.to_string())
                .collect();
            return Err(Error::Endpoint {
                url: self.as_str().to_string(),
                reason: format!(
                    "{} is a public address: bisum only sends text to loopback, private or link-local addresses (add --allow-public-endpoint to send your sources there)",
                    public.join(", ")
                ),
            });
        }
        Ok(widest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reach(s: &str) -> Reach {
        Reach::of(s.parse().unwrap())
    }

    #[test]
    fn addresses_are_classed_by_where_they_lead() {
        for ip in ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"] {
            assert_eq!(reach(ip), Reach::Loopback, "{ip}");
        }
        for ip in [
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.254",
            "192.168.1.20",
            "100.64.0.1",
            "fd12:3456::1",
            "fc00::1",
            "::ffff:10.1.2.3",
        ] {
            assert_eq!(reach(ip), Reach::Private, "{ip}");
        }
        for ip in ["169.254.1.1", "fe80::1"] {
            assert_eq!(reach(ip), Reach::LinkLocal, "{ip}");
        }
        for ip in [
            "8.8.8.8",
            "172.32.0.1",
            "172.15.255.255",
            "192.169.0.1",
            "100.128.0.1",
            "203.0.113.7",
            "0.0.0.0",
            "224.0.0.1",
            "2001:4860:4860::8888",
            "::",
            "::ffff:8.8.8.8",
        ] {
            assert_eq!(reach(ip), Reach::Public, "{ip}");
        }
    }

    #[test]
    fn a_public_endpoint_is_refused_unless_allowed() {
        let e = Endpoint::parse("http://203.0.113.7:8080/v1").unwrap();
        let addrs = e.addresses().unwrap();
        let err = e.check(&addrs, false).unwrap_err().to_string();
        assert!(err.contains("203.0.113.7 is a public address"), "{err}");
        assert!(err.contains("--allow-public-endpoint"), "{err}");
        assert!(!err.contains('\n'));
        assert_eq!(e.check(&addrs, true).unwrap(), Reach::Public);
        // One public address among private ones is enough to refuse.
        let mixed: Vec<IpAddr> = vec!["10.0.0.2".parse().unwrap(), "8.8.4.4".parse().unwrap()];
        assert!(e.check(&mixed, false).is_err());
        let lan = Endpoint::parse("http://[fd00::5]:8000/v1").unwrap();
        assert_eq!(
            lan.check(&lan.addresses().unwrap(), false).unwrap(),
            Reach::Private
        );
    }

    #[test]
    fn urls_are_checked_and_joined() {
        let e = Endpoint::parse("http://127.0.0.1:8080/v1/").unwrap();
        assert_eq!(
            e.api("chat/completions"),
            "http://127.0.0.1:8080/v1/chat/completions"
        );
        assert_eq!(e.root("/props"), "http://127.0.0.1:8080/props");
        let bare = Endpoint::parse("http://localhost:8080").unwrap();
        assert_eq!(bare.api("models"), "http://localhost:8080/models");
        for bad in [
            "ftp://10.0.0.1/",
            "http://user:secret@10.0.0.1/v1",
            "10.0.0.1:8080",
            "http://10.0.0.1/v1?x=1",
        ] {
            let err = Endpoint::parse(bad).unwrap_err().to_string();
            assert!(!err.contains("secret"), "{err}");
            assert!(!err.contains('\n'), "{err}");
        }
    }
}
