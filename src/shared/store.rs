//! The connection to the Redis server of a shared crawl and the one script every operation runs
//! through (`frontier.lua`, sent by EVALSHA and loaded once per server). A lost connection is
//! retried with backoff (0.1 s doubling to 2 s) for `--redis-timeout`, during which the caller
//! waits: nothing new is dispatched, and a stop ends the waiting. Errors name the server in its
//! redacted form only.

use crate::config::SharedTarget;
use crate::error::SharedError;
use redis::{FromRedisValue, RedisError};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The script (see its header for the keys and operations).
pub const SCRIPT: &str = include_str!("frontier.lua");
/// The schema of the keys the script writes; a crawl of another schema is refused.
pub const SCHEMA: &str = "1";
/// A reply taking longer than this counts as a lost connection.
const IO_TIMEOUT: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A connection to the crawl's Redis, with the script.
pub struct Store {
    client: redis::Client,
    conn: Option<redis::Connection>,
    script: redis::Script,
    /// `trawl:{ID}:`: every key of the crawl starts with it.
    pub prefix: String,
    pub crawl_id: String,
    /// The server's URL, redacted.
    pub shown: String,
    patience: Duration,
    stop: Option<Arc<AtomicBool>>,
}

/// The key prefix of a crawl: the `{ID}` hash tag keeps a crawl on one Redis Cluster slot.
pub fn prefix(crawl_id: &str) -> String {
    format!("trawl:{{{crawl_id}}}:")
}

fn reason(e: &RedisError) -> String {
    // One line; redis-rs errors never carry the connection's password.
    e.to_string().lines().next().unwrap_or("").to_owned()
}

/// Did the server refuse us for the password (a wrong one, or none where one is needed)? Said
/// as a phrase of the message; Redis's own text is not shown (it may quote the command).
fn refusal(e: &RedisError) -> Option<&'static str> {
    if e.kind() == redis::ErrorKind::AuthenticationFailed {
        return Some("refused the password (authentication failed)");
    }
    match e.code() {
        Some("NOAUTH") => Some("needs a password (authentication required)"),
        Some("WRONGPASS") => Some("refused the password (authentication failed)"),
        _ => None,
    }
}

/// Worth retrying: the connection broke, timed out, or the server is still loading its data.
fn transient(e: &RedisError) -> bool {
    e.is_io_error()
        || e.is_connection_dropped()
        || e.is_connection_refusal()
        || e.is_timeout()
        || e.kind() == redis::ErrorKind::Server(redis::ServerErrorKind::BusyLoading)
        || e.kind() == redis::ErrorKind::Server(redis::ServerErrorKind::TryAgain)
}

impl Store {
    /// Connect (and PING) once; an unreachable server is an error at once.
    pub fn connect(target: &SharedTarget) -> Result<Store, SharedError> {
        let shown = target.shown();
        let unreachable = |e: &RedisError| SharedError::Unreachable {
            url: shown.clone(),
            reason: reason(e),
        };
        let client = match &target.ca {
            Some(path) => {
                let pem = std::fs::read(path).map_err(|e| SharedError::Ca {
                    path: path.clone(),
                    reason: e.to_string(),
                })?;
                let certs = redis::TlsCertificates {
                    client_tls: None,
                    root_cert: Some(pem),
                };
                redis::Client::build_with_tls(target.url.as_str(), certs)
            }
            None => redis::Client::open(target.url.as_str()),
        }
        .map_err(|e| unreachable(&e))?;
        let mut store = Store {
            client,
            conn: None,
            script: redis::Script::new(SCRIPT),
            prefix: prefix(&target.crawl_id),
            crawl_id: target.crawl_id.clone(),
            shown: shown.clone(),
            patience: target.patience,
            stop: None,
        };
        store.open().map_err(|e| match refusal(&e) {
            Some(what) => SharedError::Auth {
                url: shown.clone(),
                what,
            },
            None => unreachable(&e),
        })?;
        Ok(store)
    }

    /// Stop retrying a lost connection once `flag` is set (the crawl is stopping).
    pub fn stop_on(&mut self, flag: Arc<AtomicBool>) {
        self.stop = Some(flag);
    }

    /// A second client of the same server (for the wake-up subscription).
    pub fn client(&self) -> redis::Client {
        self.client.clone()
    }

    fn open(&mut self) -> Result<&mut redis::Connection, RedisError> {
        if self.conn.is_none() {
            let mut conn = self.client.get_connection_with_timeout(CONNECT_TIMEOUT)?;
            conn.set_read_timeout(Some(IO_TIMEOUT))?;
            conn.set_write_timeout(Some(IO_TIMEOUT))?;
            redis::cmd("PING").query::<String>(&mut conn)?;
            self.conn = Some(conn);
        }
        match self.conn.as_mut() {
            Some(c) => Ok(c),
            None => Err(RedisError::from((redis::ErrorKind::Io, "no connection"))),
        }
    }

    /// Run `f` on the connection; a transient failure is retried (reconnecting with backoff)
    /// until `--redis-timeout` has passed since the first failure.
    pub fn with<T>(
        &mut self,
        mut f: impl FnMut(&mut redis::Connection, &redis::Script) -> Result<T, RedisError>,
    ) -> Result<T, SharedError> {
        let mut first_failure: Option<Instant> = None;
        let mut backoff = Duration::from_millis(100);
        loop {
            let result = match self.open() {
                Ok(_) => match self.conn.as_mut() {
                    Some(conn) => f(conn, &self.script),
                    None => Err(RedisError::from((redis::ErrorKind::Io, "no connection"))),
                },
                Err(e) => Err(e),
            };
            let e = match result {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            if !transient(&e) {
                return Err(SharedError::Protocol {
                    url: self.shown.clone(),
                    what: reason(&e),
                });
            }
            self.conn = None;
            let since = *first_failure.get_or_insert_with(Instant::now);
            if since.elapsed() >= self.patience {
                return Err(SharedError::Lost {
                    url: self.shown.clone(),
                    secs: self.patience.as_secs(),
                    reason: reason(&e),
                });
            }
            tracing::warn!(url = %self.shown, error = %reason(&e), "Redis unreachable; retrying");
            // The wait is the coordinator's own: nothing is dispatched meanwhile. It ends early
            // on a stop.
            let until = Instant::now() + backoff;
            while Instant::now() < until {
                if self.stop.as_ref().is_some_and(|s| s.load(Ordering::SeqCst)) {
                    return Err(SharedError::Stopped {
                        url: self.shown.clone(),
                    });
                }
                std::thread::sleep(Duration::from_millis(20).min(backoff));
            }
            backoff = (backoff * 2).min(Duration::from_secs(2));
        }
    }

    /// One operation of the script: `op` in `run` for lease `token`, with its JSON and bytes.
    pub fn call<T: FromRedisValue>(
        &mut self,
        op: &str,
        run: &str,
        token: &str,
        json: &str,
        bytes: &[u8],
    ) -> Result<T, SharedError> {
        let prefix = self.prefix.clone();
        self.with(|conn, script| {
            script
                .key(&prefix)
                .arg(op)
                .arg(run)
                .arg(token)
                .arg(json)
                .arg(bytes)
                .invoke(conn)
        })
    }
}
