//! A real `redis-server` for the `--redis` tests: started on 127.0.0.1 on a free port with its
//! own temporary directory, stopped (SIGKILL) when dropped. Never a mock, never a shared system
//! service: every test starts its own, so tests run in parallel without seeing each other's keys.
//!
//! * [`RedisServer::start`] (no persistence: `--save "" --appendonly no`),
//!   [`RedisServer::persistent`] (`--appendonly yes --appendfsync always`, so every write a
//!   client saw acknowledged survives a SIGKILL) and [`RedisServer::with_password`]
//!   (`--requirepass`); [`RedisServer::start_with`] takes a [`RedisOptions`].
//! * [`RedisServer::url`] is what `trawl --redis` is given; [`RedisServer::cmd`] runs one command
//!   on a fresh connection (so it works across [`RedisServer::kill`] and
//!   [`RedisServer::restart`]), with helpers for `KEYS`, `DBSIZE`, `INFO commandstats`.
//! * [`RedisServer::kill`] sends SIGKILL (the crash the tests simulate); [`RedisServer::restart`]
//!   starts it again on the SAME port and directory (with persistence it reloads its AOF).
//!
//! A machine without `redis-server` fails the test with a message naming `.ci/run` (which
//! installs it): the tests are never skipped silently.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

pub use redis::Value;

/// How long a server may take to answer PING after it was started (a guard against hangs).
const START_GUARD: Duration = Duration::from_secs(20);
/// Connect/read/write timeout of the fixture's own connections.
const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// Free ports tried before giving up (another process may take a port between our probe and
/// redis-server's bind).
const PORT_ATTEMPTS: usize = 8;

/// The program started; found on PATH.
pub const REDIS_SERVER: &str = "redis-server";

/// How a test's server is configured.
#[derive(Clone, Debug, Default)]
pub struct RedisOptions {
    /// `--appendonly yes --appendfsync always` (default: `--save "" --appendonly no`).
    pub persistent: bool,
    /// `--requirepass`; [`RedisServer::url`] then carries it.
    pub password: Option<String>,
    /// TLS only (`--tls-port`, no plain port), with this server certificate and key, signed by
    /// the CA of [`Tls::ca`]; [`RedisServer::url`] is then `rediss://`.
    pub tls: Option<Tls>,
}

/// A certificate authority and a server certificate for 127.0.0.1 it signed, made with the
/// `openssl` command in their own directory.
#[derive(Clone, Debug)]
pub struct Tls {
    dir: std::sync::Arc<tempfile::TempDir>,
}

impl Tls {
    /// A fresh CA and a server certificate for IP 127.0.0.1 (valid 2 days).
    pub fn make() -> Tls {
        let dir = tempfile::Builder::new()
            .prefix("trawl-tls-")
            .tempdir()
            .expect("a temporary directory for certificates");
        let d = dir.path();
        std::fs::write(d.join("ext"), "subjectAltName=IP:127.0.0.1\n").expect("ext");
        let steps: [&[&str]; 3] = [
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "2",
                "-subj",
                "/CN=trawl test CA",
            ],
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "srv.key",
                "-out",
                "srv.csr",
                "-subj",
                "/CN=127.0.0.1",
            ],
            &[
                "x509",
                "-req",
                "-in",
                "srv.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "srv.pem",
                "-days",
                "2",
                "-extfile",
                "ext",
            ],
        ];
        for args in steps {
            let out = Command::new("openssl")
                .args(args)
                .current_dir(d)
                .output()
                .unwrap_or_else(|e| panic!("cannot run openssl ({e}): the TLS test needs it"));
            assert!(
                out.status.success(),
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Tls {
            dir: std::sync::Arc::new(dir),
        }
    }

    /// The CA's certificate (PEM), for `--redis-ca`.
    pub fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// The server certificate for 127.0.0.1 (PEM), signed by [`Tls::ca`].
    pub fn cert(&self) -> PathBuf {
        self.dir.path().join("srv.pem")
    }

    /// The server certificate's private key (PEM).
    pub fn key(&self) -> PathBuf {
        self.dir.path().join("srv.key")
    }

    fn file(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }
}

/// A running `redis-server` owned by one test.
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: tempfile::TempDir,
    opts: RedisOptions,
    program: String,
}

impl fmt::Debug for RedisServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisServer")
            .field("port", &self.port)
            .field("dir", &self.dir.path())
            .field("persistent", &self.opts.persistent)
            .field("running", &self.child.is_some())
            .finish()
    }
}

/// Why one start attempt failed.
enum StartError {
    /// The port was taken between the probe and redis-server's bind: try another.
    PortTaken,
}

/// A port nothing listens on right now (bound with port 0, then released).
pub fn free_port() -> u16 {
    let l = TcpListener::bind(("127.0.0.1", 0)).expect("bind 127.0.0.1:0");
    l.local_addr().expect("local addr").port()
}

impl RedisServer {
    /// No persistence, no password.
    pub fn start() -> RedisServer {
        RedisServer::start_with(RedisOptions::default())
    }

    /// With an append-only file fsynced on every write, so it survives [`RedisServer::kill`].
    pub fn persistent() -> RedisServer {
        RedisServer::start_with(RedisOptions {
            persistent: true,
            ..RedisOptions::default()
        })
    }

    /// With `--requirepass password`.
    pub fn with_password(password: &str) -> RedisServer {
        RedisServer::start_with(RedisOptions {
            password: Some(password.to_owned()),
            ..RedisOptions::default()
        })
    }

    pub fn start_with(opts: RedisOptions) -> RedisServer {
        RedisServer::start_program(REDIS_SERVER, opts)
    }

    /// Start `program` (a redis-server binary) with `opts`; panics, naming `.ci/run`, when the
    /// program cannot be run.
    pub fn start_program(program: &str, opts: RedisOptions) -> RedisServer {
        let dir = tempfile::Builder::new()
            .prefix("trawl-redis-")
            .tempdir()
            .expect("a temporary directory for redis-server");
        let mut server = RedisServer {
            child: None,
            port: 0,
            dir,
            opts,
            program: program.to_owned(),
        };
        for _ in 0..PORT_ATTEMPTS {
            server.port = free_port();
            match server.launch() {
                Ok(()) => return server,
                Err(StartError::PortTaken) => continue,
            }
        }
        panic!("redis-server: no free port after {PORT_ATTEMPTS} attempts");
    }

    /// The port it listens on (kept across [`RedisServer::restart`]).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its working directory (AOF, log).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The password it requires, if any.
    pub fn password(&self) -> Option<&str> {
        self.opts.password.as_deref()
    }

    /// `redis://127.0.0.1:PORT/0`, or `redis://:PASSWORD@127.0.0.1:PORT/0` with a password.
    pub fn url(&self) -> String {
        self.url_db(0)
    }

    /// As [`RedisServer::url`], for database `db`.
    pub fn url_db(&self, db: u32) -> String {
        let scheme = if self.opts.tls.is_some() {
            "rediss"
        } else {
            "redis"
        };
        match &self.opts.password {
            Some(p) => format!("{scheme}://:{p}@127.0.0.1:{}/{db}", self.port),
            None => format!("{scheme}://127.0.0.1:{}/{db}", self.port),
        }
    }

    /// Is the process running (not killed, not exited)?
    pub fn is_running(&mut self) -> bool {
        match self.child.as_mut() {
            Some(c) => matches!(c.try_wait(), Ok(None)),
            None => false,
        }
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("redis.log")
    }

    /// The server's log so far (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    fn args(&self) -> Vec<String> {
        let port = match &self.opts.tls {
            Some(_) => "--tls-port",
            None => "--port",
        };
        let mut a: Vec<String> = vec![
            port.into(),
            self.port.to_string(),
            "--bind".into(),
            "127.0.0.1".into(),
            "--dir".into(),
            self.dir.path().display().to_string(),
            "--logfile".into(),
            self.log_path().display().to_string(),
            "--daemonize".into(),
            "no".into(),
            // No RDB snapshots in any mode; persistence, when asked for, is the AOF.
            "--save".into(),
            String::new(),
        ];
        if self.opts.persistent {
            a.extend(["--appendonly", "yes", "--appendfsync", "always"].map(String::from));
        } else {
            a.extend(["--appendonly", "no"].map(String::from));
        }
        if let Some(p) = &self.opts.password {
            a.extend(["--requirepass".to_owned(), p.clone()]);
        }
        if let Some(t) = &self.opts.tls {
            a.extend([
                "--port".to_owned(),
                "0".to_owned(),
                "--tls-cert-file".to_owned(),
                t.file("srv.pem"),
                "--tls-key-file".to_owned(),
                t.file("srv.key"),
                "--tls-ca-cert-file".to_owned(),
                t.file("ca.pem"),
                "--tls-auth-clients".to_owned(),
                "no".to_owned(),
            ]);
        }
        a
    }

    /// Start the process on `self.port` and wait until it answers PING.
    fn launch(&mut self) -> Result<(), StartError> {
        let _ = std::fs::remove_file(self.log_path());
        let spawned = Command::new(&self.program)
            .args(self.args())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn();
        let child = match spawned {
            Ok(c) => c,
            Err(e) => panic!(
                "cannot run {:?} ({e}): the --redis tests need redis-server on PATH; \
                 .ci/run installs it (apt-get install redis-server)",
                self.program
            ),
        };
        self.child = Some(child);
        let start = Instant::now();
        loop {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                let mut stderr = String::new();
                if let Some(mut e) = self.child.take().and_then(|mut c| c.stderr.take()) {
                    let _ = e.read_to_string(&mut stderr);
                }
                let log = self.log();
                if log.contains("Address already in use") || stderr.contains("already in use") {
                    return Err(StartError::PortTaken);
                }
                panic!(
                    "redis-server exited ({status}) before answering PING on port {}\n\
                     stderr: {stderr}\nlog:\n{log}",
                    self.port
                );
            }
            if self.ping().is_ok() {
                return Ok(());
            }
            if start.elapsed() > START_GUARD {
                self.stop();
                panic!(
                    "redis-server on port {} did not answer PING within {START_GUARD:?}\nlog:\n{}",
                    self.port,
                    self.log()
                );
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    fn ping(&self) -> redis::RedisResult<()> {
        let mut c = self.connection()?;
        let pong: String = redis::cmd("PING").query(&mut c)?;
        if pong == "PONG" {
            Ok(())
        } else {
            Err(redis::RedisError::from((
                redis::ErrorKind::Client,
                "PING answered",
                pong,
            )))
        }
    }

    /// A new connection (authenticated when the server has a password).
    pub fn connection(&self) -> redis::RedisResult<redis::Connection> {
        let client = match &self.opts.tls {
            Some(t) => redis::Client::build_with_tls(
                self.url(),
                redis::TlsCertificates {
                    client_tls: None,
                    root_cert: Some(std::fs::read(t.ca()).expect("the CA file")),
                },
            )?,
            None => redis::Client::open(self.url())?,
        };
        let c = client.get_connection_with_timeout(IO_TIMEOUT)?;
        c.set_read_timeout(Some(IO_TIMEOUT))?;
        c.set_write_timeout(Some(IO_TIMEOUT))?;
        Ok(c)
    }

    /// Run one command on a new connection.
    pub fn try_cmd(&self, args: &[&str]) -> redis::RedisResult<Value> {
        let mut c = self.connection()?;
        let (name, rest) = args.split_first().expect("a command");
        let mut cmd = redis::cmd(name);
        for a in rest {
            cmd.arg(*a);
        }
        cmd.query(&mut c)
    }

    /// Run one command; a failure (connection or server error) fails the test.
    pub fn cmd(&self, args: &[&str]) -> Value {
        match self.try_cmd(args) {
            Ok(Value::ServerError(e)) => panic!("redis {args:?}: {e:?}"),
            Ok(v) => v,
            Err(e) => panic!("redis {args:?}: {e}"),
        }
    }

    /// A command whose reply is a string (bulk, simple or OK), `None` for nil.
    pub fn cmd_string(&self, args: &[&str]) -> Option<String> {
        text(&self.cmd(args))
    }

    /// A command whose reply is an integer.
    pub fn cmd_int(&self, args: &[&str]) -> i64 {
        match self.cmd(args) {
            Value::Int(n) => n,
            other => panic!("redis {args:?}: not an integer: {other:?}"),
        }
    }

    /// A command whose reply is an array of strings.
    pub fn cmd_strings(&self, args: &[&str]) -> Vec<String> {
        strings(&self.cmd(args))
    }

    /// Every key matching `pattern` (`KEYS`; the tests' databases are small), sorted.
    pub fn keys(&self, pattern: &str) -> Vec<String> {
        let mut k = self.cmd_strings(&["KEYS", pattern]);
        k.sort();
        k
    }

    /// `DBSIZE`.
    pub fn dbsize(&self) -> i64 {
        self.cmd_int(&["DBSIZE"])
    }

    /// `INFO section` as `field -> value`.
    pub fn info(&self, section: &str) -> BTreeMap<String, String> {
        let text = self.cmd_string(&["INFO", section]).unwrap_or_default();
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.to_owned(), v.trim().to_owned()))
            .collect()
    }

    /// `INFO commandstats` as `command -> calls` (e.g. `"evalsha" -> 120`; subcommands as
    /// `"script|load"`).
    pub fn command_calls(&self) -> BTreeMap<String, u64> {
        self.info("commandstats")
            .into_iter()
            .filter_map(|(k, v)| {
                let name = k.strip_prefix("cmdstat_")?.to_owned();
                let calls = v
                    .split(',')
                    .find_map(|f| f.strip_prefix("calls="))?
                    .parse()
                    .ok()?;
                Some((name, calls))
            })
            .collect()
    }

    /// SIGKILL the server (a crash: nothing is flushed beyond what `appendfsync` already did)
    /// and wait for it to be gone.
    pub fn kill(&mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Start it again on the same port and directory (killing it first if it still runs); with
    /// persistence it reloads what it had. Waits until it answers PING (PING answers only once
    /// the AOF is loaded).
    pub fn restart(&mut self) {
        self.stop();
        let start = Instant::now();
        // The old process is reaped, so its listening socket is closed; redis-server binds with
        // SO_REUSEADDR. Only another process grabbing the port in between can make this fail.
        loop {
            match self.launch() {
                Ok(()) => return,
                Err(StartError::PortTaken) if start.elapsed() < START_GUARD => {
                    thread::sleep(Duration::from_millis(50))
                }
                Err(StartError::PortTaken) => {
                    panic!("redis-server: port {} taken, cannot restart", self.port)
                }
            }
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A string reply (bulk, simple, OK, verbatim) as text; `None` for nil.
pub fn text(v: &Value) -> Option<String> {
    match v {
        Value::Nil => None,
        Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Value::SimpleString(s) => Some(s.clone()),
        Value::Okay => Some("OK".to_owned()),
        Value::VerbatimString { text, .. } => Some(text.clone()),
        Value::Int(n) => Some(n.to_string()),
        other => panic!("not a string reply: {other:?}"),
    }
}

/// An array reply of strings (a RESP3 set or map flattened in order).
pub fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) | Value::Set(items) => items.iter().filter_map(text).collect(),
        Value::Map(pairs) => pairs
            .iter()
            .flat_map(|(k, v)| [text(k), text(v)])
            .flatten()
            .collect(),
        Value::Nil => Vec::new(),
        other => panic!("not an array reply: {other:?}"),
    }
}
