//! The `RedisServer` fixture the `--redis` tests stand on (tests/it/common/redis.rs): a real
//! redis-server on a free port of 127.0.0.1, its own directory, its own password, killed and
//! restarted on the same port, reloading its AOF when persistent, and gone when dropped.

use crate::common::redis::{free_port, RedisOptions, RedisServer, Value};
use std::net::TcpStream;
use std::time::Duration;

fn refused(port: u16) -> bool {
    TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(500)).is_err()
}

#[test]
fn starts_answers_and_stops_on_drop() {
    let r = RedisServer::start();
    let port = r.port();
    assert_eq!(r.url(), format!("redis://127.0.0.1:{port}/0"));
    assert_eq!(r.cmd_string(&["PING"]).as_deref(), Some("PONG"));
    assert_eq!(r.cmd(&["SET", "k", "v"]), Value::Okay);
    assert_eq!(r.cmd_string(&["GET", "k"]).as_deref(), Some("v"));
    assert_eq!(r.cmd(&["GET", "missing"]), Value::Nil);
    assert_eq!(r.dbsize(), 1);
    assert_eq!(r.keys("*"), ["k"]);
    // No persistence unless asked for.
    assert_eq!(
        r.cmd_strings(&["CONFIG", "GET", "appendonly"]),
        ["appendonly", "no"]
    );
    assert_eq!(r.cmd_strings(&["CONFIG", "GET", "save"]), ["save", ""]);
    assert_eq!(
        r.cmd_strings(&["CONFIG", "GET", "dir"])[1],
        r.dir().canonicalize().expect("dir").display().to_string()
    );
    // INFO commandstats counts our commands.
    let calls = r.command_calls();
    assert_eq!(calls.get("set"), Some(&1), "{calls:?}");
    assert!(calls.get("get").is_some_and(|&n| n >= 2), "{calls:?}");
    // The url() is usable by the redis crate directly (as trawl will use it).
    let mut c = redis::Client::open(r.url())
        .expect("url")
        .get_connection()
        .expect("connect");
    let v: String = redis::cmd("GET").arg("k").query(&mut c).expect("GET");
    assert_eq!(v, "v");
    drop(c);
    drop(r);
    assert!(refused(port), "the server is gone after drop");
}

#[test]
fn two_servers_have_their_own_ports_and_keys() {
    let (a, b) = (RedisServer::start(), RedisServer::start());
    assert_ne!(a.port(), b.port());
    a.cmd(&["SET", "only-a", "1"]);
    assert_eq!(b.dbsize(), 0);
}

#[test]
fn kill_then_restart_keeps_port_and_without_persistence_loses_data() {
    let mut r = RedisServer::start();
    let port = r.port();
    r.cmd(&["SET", "k", "v"]);
    r.kill();
    assert!(!r.is_running());
    assert!(refused(port), "killed");
    assert!(r.try_cmd(&["PING"]).is_err());
    r.restart();
    assert!(r.is_running());
    assert_eq!(r.port(), port, "same port after restart");
    assert_eq!(r.dbsize(), 0, "no persistence: nothing survives");
}

#[test]
fn persistent_server_keeps_every_acknowledged_write_across_sigkill() {
    let mut r = RedisServer::persistent();
    assert_eq!(
        r.cmd_strings(&["CONFIG", "GET", "appendonly"]),
        ["appendonly", "yes"]
    );
    assert_eq!(
        r.cmd_strings(&["CONFIG", "GET", "appendfsync"]),
        ["appendfsync", "always"]
    );
    for i in 0..200 {
        r.cmd(&["RPUSH", "list", &i.to_string()]);
    }
    r.cmd(&["SET", "exp", "x", "EX", "600"]);
    let port = r.port();
    r.kill();
    r.restart();
    assert_eq!(r.port(), port);
    assert_eq!(r.cmd_int(&["LLEN", "list"]), 200);
    assert_eq!(
        r.cmd_string(&["LINDEX", "list", "-1"]).as_deref(),
        Some("199")
    );
    let ttl = r.cmd_int(&["TTL", "exp"]);
    assert!((590..=600).contains(&ttl), "TTL kept: {ttl}");
}

#[test]
fn password_is_required_and_carried_by_the_url() {
    let r = RedisServer::with_password("s3cret-pw");
    assert_eq!(
        r.url(),
        format!("redis://:s3cret-pw@127.0.0.1:{}/0", r.port())
    );
    assert_eq!(r.cmd_string(&["PING"]).as_deref(), Some("PONG"));
    // Without the password the server refuses.
    let anon = format!("redis://127.0.0.1:{}/0", r.port());
    let mut c = redis::Client::open(anon)
        .expect("url")
        .get_connection()
        .expect("connect");
    let e = redis::cmd("GET")
        .arg("k")
        .query::<Value>(&mut c)
        .expect_err("NOAUTH");
    assert!(e.to_string().contains("NOAUTH"), "{e}");
}

#[test]
#[should_panic(expected = ".ci/run installs it")]
fn a_missing_redis_server_fails_naming_ci_run() {
    let _ = RedisServer::start_program("/nonexistent/redis-server", RedisOptions::default());
}

#[test]
fn free_port_is_not_listening() {
    assert!(refused(free_port()));
}
