//! A tiny HTTPS server for the `--ca-cert` test: rustls over a loopback listener, with a
//! certificate for 127.0.0.1 signed by a private CA made for the test ([`super::redis::Tls`]).
//! One request per connection (`Connection: close`); every request's path is logged. Only what
//! the test needs: the plain test server ([`super::server`]) is the instrument for everything
//! else.

use super::redis::Tls;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct TlsServer {
    pub addr: std::net::SocketAddr,
    pub tls: Tls,
    log: Arc<Mutex<Vec<String>>>,
}

impl TlsServer {
    /// Serve `pages` (path, HTML) on https://127.0.0.1:PORT; other paths answer 404.
    pub fn start(pages: &[(&str, &str)]) -> TlsServer {
        let tls = Tls::make();
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(tls.cert())
            .expect("server certificate")
            .collect::<Result<_, _>>()
            .expect("server certificate");
        let key = PrivateKeyDer::from_pem_file(tls.key()).expect("server key");
        let config = Arc::new(
            rustls::ServerConfig::builder()
                .with_no_client_auth()
                .with_single_cert(chain, key)
                .expect("server TLS config"),
        );
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let log = Arc::new(Mutex::new(Vec::new()));
        let pages: Arc<Vec<(String, String)>> = Arc::new(
            pages
                .iter()
                .map(|(p, h)| (p.to_string(), h.to_string()))
                .collect(),
        );
        let server_log = Arc::clone(&log);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (config, log, pages) = (
                    Arc::clone(&config),
                    Arc::clone(&server_log),
                    Arc::clone(&pages),
                );
                std::thread::spawn(move || {
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                    let _ = stream.set_write_timeout(Some(Duration::from_secs(10)));
                    let Ok(conn) = rustls::ServerConnection::new(config) else {
                        return;
                    };
                    let mut tls = rustls::StreamOwned::new(conn, stream);
                    let mut reader = BufReader::new(&mut tls);
                    let mut line = String::new();
                    // A failed handshake (the client refuses the certificate) ends here.
                    if reader.read_line(&mut line).is_err() {
                        return;
                    }
                    let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
                    loop {
                        let mut header = String::new();
                        match reader.read_line(&mut header) {
                            Ok(0) | Err(_) => return,
                            Ok(_) if header.trim().is_empty() => break,
                            Ok(_) => {}
                        }
                    }
                    drop(reader);
                    log.lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(path.clone());
                    let (status, body) = match pages.iter().find(|(p, _)| *p == path) {
                        Some((_, html)) => ("200 OK", html.clone()),
                        None => ("404 Not Found", "<title>Not Found</title>".to_owned()),
                    };
                    let response = format!(
                        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n\
                         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = tls.write_all(response.as_bytes());
                    let _ = tls.flush();
                    tls.conn.send_close_notify();
                    let _ = tls.flush();
                });
            }
        });
        TlsServer { addr, tls, log }
    }

    pub fn url(&self, path: &str) -> String {
        format!("https://{}{path}", self.addr)
    }

    /// The paths requested (after a completed handshake), in order.
    pub fn paths(&self) -> Vec<String> {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}
