//! The wake-up subscription of a shared crawl: a thread that listens on the crawl's pub/sub
//! channel (`trawl:{ID}:wake`, published by the script when a host becomes ready sooner than it
//! was, or the run ends) and turns each message into a token on a channel the coordinator's `select` waits on.
//! So an idle process takes work the moment another process makes some, without polling.
//! The thread only listens: it never touches the frontier. A lost subscription is opened again
//! (once a second) until the scheduler is dropped.

use crossbeam_channel::{bounded, Receiver, Sender, TrySendError};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How long one read of the subscription waits before it looks whether to quit.
const READ: Duration = Duration::from_millis(500);

/// The listening thread's handle: the channel it wakes, and its quit flag.
pub struct Waker {
    rx: Receiver<()>,
    quit: Arc<AtomicBool>,
}

impl Waker {
    pub fn start(client: redis::Client, channel: String) -> Waker {
        let (tx, rx) = bounded(1);
        let quit = Arc::new(AtomicBool::new(false));
        let q = quit.clone();
        let spawned = std::thread::Builder::new()
            .name("trawl-redis-wake".into())
            .spawn(move || listen(&client, &channel, &tx, &q));
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "no wake-up thread: idle processes look again every 5 s");
        }
        Waker { rx, quit }
    }

    pub fn receiver(&self) -> Receiver<()> {
        self.rx.clone()
    }
}

impl Drop for Waker {
    fn drop(&mut self) {
        self.quit.store(true, Ordering::SeqCst);
    }
}

fn listen(client: &redis::Client, channel: &str, tx: &Sender<()>, quit: &AtomicBool) {
    while !quit.load(Ordering::SeqCst) {
        let Ok(mut conn) = client.get_connection_with_timeout(Duration::from_secs(5)) else {
            std::thread::sleep(Duration::from_secs(1));
            continue;
        };
        if conn.set_read_timeout(Some(READ)).is_err() {
            continue;
        }
        let mut pubsub = conn.as_pubsub();
        if pubsub.subscribe(channel).is_err() {
            std::thread::sleep(Duration::from_secs(1));
            continue;
        }
        // Something may have happened while not subscribed.
        let _ = tx.try_send(());
        while !quit.load(Ordering::SeqCst) {
            match pubsub.get_message() {
                Ok(_) => match tx.try_send(()) {
                    Ok(()) | Err(TrySendError::Full(())) => {}
                    Err(TrySendError::Disconnected(())) => return,
                },
                Err(e) if e.is_timeout() => {}
                Err(_) => break,
            }
        }
    }
}
