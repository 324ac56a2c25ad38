//! The HTTP client's DNS resolver. It gives every failed lookup a typed error ([`LookupError`]),
//! so the fetcher tells `dns` from `private_address` by type rather than by message text, and
//! when asked ([`GuardedResolver::block_private`]) it refuses addresses of the crawler's own
//! network (loopback, private, link-local, multicast; see [`is_private_ip`]). Under
//! `--scope any` a page must not steer trawl into the network it runs in, and a literal-address
//! check on links cannot see a public-looking host name that resolves to 10.0.0.5 or to
//! 169.254.169.254, nor a redirect to one. Every connection's lookup passes through here, so those
//! are refused before any connection is made. It never caches and never changes which public
//! addresses are used.

use std::future::Future;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

/// The address ranges a crawler must not be steered into by a page it reads.
pub fn is_private_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_multicast()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.octets()[0] == 100 && (v4.octets()[1] & 0xC0) == 64 // 100.64/10 CGNAT
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private_ip(IpAddr::V4(v4));
            }
            let seg0 = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg0 & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (seg0 & 0xffc0) == 0xfe80 // link-local fe80::/10
        }
    }
}

/// The text a refused lookup's message starts with.
pub const REFUSED: &str = "refusing a private or local address";

/// Why a lookup gave nothing to connect to; the fetcher finds it in a failed request's source
/// chain (`dns`, or `private_address` for [`LookupError::Refused`]).
#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    /// The system resolver failed (no such name, no answer).
    #[error("{0}")]
    Failed(#[source] std::io::Error),
    /// Every address of the name is a private one, and those are refused.
    #[error("{REFUSED}: {host} resolves to {ip}")]
    Refused { host: String, ip: IpAddr },
    /// The lookup's thread could not be started.
    #[error("starting a DNS lookup: {0}")]
    Spawn(#[source] std::io::Error),
}

/// Resolves with the system resolver on a short-lived thread, then, with `block_private`,
/// drops private addresses.
#[derive(Debug, Default)]
pub struct GuardedResolver {
    /// Refuse names that resolve only to private addresses (`--scope any` without
    /// `--allow-private`); otherwise every address is returned.
    pub block_private: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(Lookup::new(name.as_str().to_owned(), self.block_private))
    }
}

type Outcome = Result<Vec<SocketAddr>, LookupError>;

#[derive(Default)]
struct Shared {
    outcome: Option<Outcome>,
    waker: Option<Waker>,
}

/// One lookup: `getaddrinfo` on its own thread (it blocks), woken when done.
struct Lookup {
    host: String,
    block_private: bool,
    shared: Arc<Mutex<Shared>>,
    started: bool,
}

impl Lookup {
    fn new(host: String, block_private: bool) -> Lookup {
        Lookup {
            host,
            block_private,
            shared: Arc::default(),
            started: false,
        }
    }
}

/// Every address of `host`.
fn all_addrs(host: &str) -> Outcome {
    let all = (host, 0u16)
        .to_socket_addrs()
        .map_err(LookupError::Failed)?;
    Ok(all.collect())
}

/// The public addresses of `host`, or why there are none to use.
pub fn public_addrs(host: &str) -> Outcome {
    let all = all_addrs(host)?;
    let public: Vec<SocketAddr> = all
        .iter()
        .copied()
        .filter(|a| !is_private_ip(a.ip()))
        .collect();
    if public.is_empty() && !all.is_empty() {
        return Err(LookupError::Refused {
            host: host.to_owned(),
            ip: all[0].ip(),
        });
    }
    Ok(public)
}

impl Future for Lookup {
    type Output = Result<reqwest::dns::Addrs, Box<dyn std::error::Error + Send + Sync>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        {
            let mut shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(outcome) = shared.outcome.take() {
                return Poll::Ready(match outcome {
                    Ok(addrs) => Ok(Box::new(addrs.into_iter())),
                    Err(e) => Err(e.into()),
                });
            }
            shared.waker = Some(cx.waker().clone());
        }
        if !self.started {
            self.started = true;
            let (host, shared) = (self.host.clone(), self.shared.clone());
            let block_private = self.block_private;
            let spawned = std::thread::Builder::new()
                .name("trawl-dns".into())
                .spawn(move || {
                    let outcome = if block_private {
                        public_addrs(&host)
                    } else {
                        all_addrs(&host)
                    };
                    let mut s = shared.lock().unwrap_or_else(|e| e.into_inner());
                    s.outcome = Some(outcome);
                    if let Some(w) = s.waker.take() {
                        w.wake();
                    }
                });
            if let Err(e) = spawned {
                return Poll::Ready(Err(LookupError::Spawn(e).into()));
            }
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_names_are_refused_and_the_message_says_why() {
        let err = public_addrs("localhost")
            .expect_err("localhost is local")
            .to_string();
        assert!(err.starts_with(REFUSED), "{err}");
        let err = public_addrs("127.0.0.1")
            .expect_err("a literal loopback")
            .to_string();
        assert!(err.contains("127.0.0.1"), "{err}");
    }
}
