//! Words for why a request got no response, for the log and the summary (the row keeps its
//! [`ErrorClass`]): `DNS lookup failed`, `connection refused`, `TLS: certificate has expired`.
//! Read from the types in the error's source chain (the resolver's, rustls's, `io::ErrorKind`),
//! like `fetch::classify`, which walks the chain with the same [`causes`]; never printed with a
//! URL's credentials, since no URL is in it.

use super::dns_guard::LookupError;
use crate::error::ErrorClass;

/// Why `e` failed, in a few words; `class` is what `fetch::classify` made of it.
pub(super) fn describe(e: &reqwest::Error, class: ErrorClass) -> String {
    let chain = || causes(e);
    match class {
        ErrorClass::Timeout => "timed out".into(),
        ErrorClass::Dns => match chain().find_map(|c| c.downcast_ref::<LookupError>()) {
            Some(LookupError::Failed(io)) => format!("DNS lookup failed ({io})"),
            _ => "DNS lookup failed".into(),
        },
        ErrorClass::PrivateAddress => "resolves only to private addresses".into(),
        ErrorClass::Tls => match chain().find_map(|c| c.downcast_ref::<rustls::Error>()) {
            Some(t) => format!("TLS: {}", tls(t)),
            None => {
                "TLS: the handshake failed (the server closed it, or does not speak TLS)".into()
            }
        },
        ErrorClass::Connect => match last_io(e) {
            Some(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
                "connection refused".into()
            }
            Some(io) => format!("cannot connect ({io})"),
            None => "cannot connect".into(),
        },
        ErrorClass::Truncated => "the connection broke (reset or cut short)".into(),
        other => other.as_str().replace('_', " "),
    }
}

/// What a TLS failure was about, in a user's words where rustls has a type for it.
fn tls(e: &rustls::Error) -> String {
    use rustls::CertificateError as C;
    match e {
        rustls::Error::InvalidCertificate(c) => match c {
            C::Expired | C::ExpiredContext { .. } => "certificate has expired".into(),
            C::NotValidYet | C::NotValidYetContext { .. } => "certificate is not valid yet".into(),
            C::UnknownIssuer => "certificate issued by an unknown authority".into(),
            C::NotValidForName | C::NotValidForNameContext { .. } => {
                "certificate is not valid for this host name".into()
            }
            C::Revoked => "certificate has been revoked".into(),
            C::BadSignature => "certificate has a bad signature".into(),
            C::BadEncoding => "certificate is malformed".into(),
            other => format!("invalid certificate ({other:?})"),
        },
        other => other.to_string(),
    }
}

/// The last `io::Error` of the chain (the operating system's own).
fn last_io(e: &reqwest::Error) -> Option<&std::io::Error> {
    causes(e)
        .filter_map(|c| c.downcast_ref::<std::io::Error>())
        .last()
}

/// `e` and every error below it. An `io::Error` that wraps another error is followed by that
/// error (its own `source()` skips it, giving the wrapped error's source).
pub(super) fn causes<'a>(
    e: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(e), |err| {
        match err
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => err.source(),
        }
    })
}

/// Why a fetch that got an answer or none failed, for the summary: the words of its failure, or
/// its status.
pub fn of_fetch(status: Option<u16>, error: Option<ErrorClass>, cause: Option<&str>) -> String {
    match (cause, status, error) {
        (Some(c), _, _) => c.to_owned(),
        (None, Some(s), _) => format!("answered {s}"),
        (None, None, Some(e)) => e.as_str().replace('_', " "),
        (None, None, None) => "no answer".into(),
    }
}
