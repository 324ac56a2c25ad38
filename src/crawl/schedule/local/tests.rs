//! The scheduler driven by a fake clock: made-up instants, no sleeps, no threads.
//!
//! The scheduler reads no clock (`LocalScheduler::origin_of` only interns a host, with no timer);
//! a test takes `t0` from `Instant::now()` only as the origin of its made-up instants.

use super::*;
use crate::error::ErrorClass;
use crate::record::Row;

const MS: Duration = Duration::from_millis(1);
const SEC: Duration = Duration::from_secs(1);

/// No robots.txt, no delay, 8 workers and a per-host limit that does not bind.
fn rules() -> Rules {
    Rules {
        workers: 8,
        per_host: 8,
        delay: Duration::ZERO,
        robots: false,
        sitemaps: false,
        max_pages: None,
        max_pages_per_host: None,
        max_retry_after: Duration::from_secs(10),
        max_host_pause: Duration::from_secs(300),
    }
}

/// [`rules`] with robots.txt on.
fn robots_on() -> Rules {
    Rules {
        robots: true,
        ..rules()
    }
}

/// [`rules`] with `delay` between the starts of a host's jobs.
fn delayed(delay: Duration) -> Rules {
    Rules { delay, ..rules() }
}

fn url(s: &str) -> Url {
    Url::parse(s).expect("a valid test URL")
}

fn link(s: &str) -> Link {
    let url = url(s);
    Link {
        key: crate::url_norm::key(&url),
        url,
    }
}

fn entry(s: &str, depth: u32) -> Entry {
    let url = url(s);
    Entry {
        key: crate::url_norm::key(&url),
        url,
        depth,
        parent: None,
    }
}

fn links(urls: &[&str]) -> Vec<Link> {
    urls.iter().map(|u| link(u)).collect()
}

fn origin(s: &str) -> Origin {
    Arc::from(crate::record::origin_key(&url(s)))
}

/// A scheduler with `seeds` queued at depth 0.
fn sched(rules: Rules, seeds: &[&str]) -> LocalScheduler {
    let mut s = LocalScheduler::new(rules, 0);
    let seeds: Vec<Url> = seeds.iter().map(|u| url(u)).collect();
    s.seed(&seeds);
    s
}

/// Offer `urls` as links found at depth 1, with no parent and not from a sitemap.
fn offer(s: &mut LocalScheduler, urls: &[&str]) {
    s.offer(links(urls), 1, None, false);
}

/// Make the host of `u` known without queueing anything.
fn meet(s: &mut LocalScheduler, u: &str) {
    s.origin_of(&url(u));
}

/// robots.txt rules that disallow `/private` for everyone.
fn disallow_private() -> Arc<RobotsRules> {
    let body = b"User-agent: *\nDisallow: /private\n";
    Arc::new(RobotsRules::from_response(Some(200), body, "trawl/0.1"))
}

/// Call `next` until it says `Nothing`.
fn drain(s: &mut LocalScheduler, now: Instant, worker_free: bool) -> Vec<Next> {
    let mut out = Vec::new();
    loop {
        match s.next(now, worker_free) {
            Next::Nothing => return out,
            next => out.push(next),
        }
        assert!(out.len() < 1000, "next never says Nothing");
    }
}

fn show(next: &Next) -> String {
    match next {
        Next::Job(Job::Fetch {
            entry,
            attempt,
            resume,
            ..
        }) => match (resume, attempt) {
            (Some(c), _) => format!("resume#{attempt} {} -> {}", entry.url, c.url),
            (None, 0) => format!("fetch {}", entry.url),
            (None, _) => format!("fetch#{attempt} {}", entry.url),
        },
        Next::Job(Job::Robots { url, .. }) => format!("robots {url}"),
        Next::Job(Job::Resource { kind, url, .. }) => format!("{kind:?} {url}"),
        Next::Job(Job::Stop) => "stop".to_owned(),
        Next::Row(_, row) => format!("row {:?} {}", row.error, row.url),
        Next::Nothing => "nothing".to_owned(),
    }
}

fn names(out: &[Next]) -> Vec<String> {
    out.iter().map(show).collect()
}

fn job(next: Next) -> Job {
    match next {
        Next::Job(job) => job,
        other => panic!("expected a job, got {}", show(&other)),
    }
}

fn fetched(next: &Next) -> Entry {
    match next {
        Next::Job(Job::Fetch { entry, .. }) => entry.clone(),
        other => panic!("expected a fetch, got {}", show(other)),
    }
}

/// A page finished without a redirect.
fn done(s: &mut LocalScheduler, e: &Entry) {
    finish(s, e, None);
}

/// A page finished, its final URL's key `final_key`, no links.
fn finish(s: &mut LocalScheduler, e: &Entry, final_key: Option<UrlKey>) {
    s.complete(Finished {
        entry: e,
        final_key,
        row: &Row::default(),
        validators: &Validators::default(),
        follow: Vec::new(),
        feeds: Vec::new(),
        mirror: false,
    });
}

fn only(mut out: Vec<Next>) -> Next {
    assert_eq!(out.len(), 1, "{:?}", names(&out));
    out.pop().expect("one item")
}

/// Answer a page (`status`) or a robots/resource job (`None`) of `u`'s origin.
fn answer(s: &mut LocalScheduler, u: &str, status: Option<u16>, now: Instant) {
    s.answered(&origin(u), Answered::Robots, status, None, now);
}

// 1. robots.txt first

#[test]
fn robots_txt_comes_first_and_holds_back_its_origin() {
    let mut s = sched(robots_on(), &["http://a.test/", "http://b.test/"]);
    s.offer(
        links(&["http://a.test/p", "http://a.test/private/q"]),
        1,
        Some(Arc::from("http://a.test/")),
        false,
    );
    let t0 = Instant::now();
    assert_eq!(
        names(&drain(&mut s, t0, true)),
        ["robots http://a.test/", "robots http://b.test/"],
        "each origin's first job is its robots.txt"
    );
    assert_eq!(s.counts().resources, 2);
    assert_eq!(s.counts().requested, 0);
    assert_eq!(
        s.next_wake(),
        None,
        "robots answers wake the hosts, no timer"
    );

    answer(&mut s, "http://a.test/", None, t0 + MS);
    assert!(
        drain(&mut s, t0 + MS, true).is_empty(),
        "answered is not enough: robots.txt must be known"
    );
    s.robots_known(&origin("http://a.test/"), disallow_private());
    let out = drain(&mut s, t0 + 2 * MS, true);
    assert_eq!(
        names(&out),
        [
            "fetch http://a.test/",
            "fetch http://a.test/p",
            "row Some(Robots) http://a.test/private/q",
        ],
        "b.test stays held back"
    );
    let Next::Row(key, row) = &out[2] else {
        panic!("a row")
    };
    assert_eq!(*key, link("http://a.test/private/q").key);
    assert_eq!(row.depth, 1);
    assert_eq!(row.parent, "http://a.test/");
    assert_eq!(row.final_url, "");
    assert_eq!(row.status, None);
    assert_eq!(s.counts().requested, 2, "a refused page is not requested");

    answer(&mut s, "http://b.test/", None, t0 + 3 * MS);
    s.robots_known(
        &origin("http://b.test/"),
        Arc::new(RobotsRules::unreachable_rules()),
    );
    let out = drain(&mut s, t0 + 3 * MS, true);
    assert_eq!(names(&out), ["row Some(RobotsUnreachable) http://b.test/"]);
    assert_eq!(s.counts().requested, 2);
    assert_eq!(s.counts().resources, 2);
}

#[test]
fn a_refused_page_is_a_row_and_takes_no_per_host_slot() {
    let mut s = sched(
        Rules {
            robots: true,
            per_host: 1,
            ..rules()
        },
        &["http://a.test/private/1"],
    );
    offer(&mut s, &["http://a.test/private/2", "http://a.test/ok"]);
    let t0 = Instant::now();
    let robots = only(drain(&mut s, t0, true));
    assert_eq!(show(&robots), "robots http://a.test/private/1");
    answer(&mut s, "http://a.test/", None, t0);
    s.robots_known(&origin("http://a.test/"), disallow_private());
    assert_eq!(
        names(&drain(&mut s, t0, true)),
        [
            "row Some(Robots) http://a.test/private/1",
            "row Some(Robots) http://a.test/private/2",
            "fetch http://a.test/ok",
        ]
    );
    assert!(!s.is_done(), "the page is out");
    answer(&mut s, "http://a.test/", Some(200), t0);
    done(&mut s, &entry("http://a.test/ok", 1));
    assert!(s.is_done());
}

#[test]
fn a_crawl_delay_applies_from_the_next_page() {
    let mut s = sched(robots_on(), &["http://a.test/"]);
    offer(&mut s, &["http://a.test/1"]);
    let t0 = Instant::now();
    assert_eq!(names(&drain(&mut s, t0, true)), ["robots http://a.test/"]);
    answer(&mut s, "http://a.test/", None, t0 + MS);
    let body = b"User-agent: *\nCrawl-delay: 1\n";
    let rules = RobotsRules::from_response(Some(200), body, "trawl/0.1");
    s.robots_known(&origin("http://a.test/"), Arc::new(rules));
    let t1 = t0 + 2 * MS;
    assert_eq!(
        names(&drain(&mut s, t1, false)),
        Vec::<String>::new(),
        "now a host with a delay: parked without a free worker"
    );
    assert_eq!(names(&drain(&mut s, t1, true)), ["fetch http://a.test/"]);
    assert_eq!(s.next_wake(), Some(t1 + SEC));
    assert!(drain(&mut s, t1 + SEC - MS, true).is_empty());
    assert_eq!(
        names(&drain(&mut s, t1 + SEC, true)),
        ["fetch http://a.test/1"]
    );
}

// 2. --delay

#[test]
fn a_delay_spaces_the_starts_of_a_host() {
    let mut s = sched(delayed(200 * MS), &["http://a.test/"]);
    offer(&mut s, &["http://a.test/1", "http://a.test/2"]);
    let t0 = Instant::now();
    assert_eq!(names(&drain(&mut s, t0, true)), ["fetch http://a.test/"]);
    assert_eq!(s.next_wake(), Some(t0 + 200 * MS));
    assert!(drain(&mut s, t0 + 199 * MS, true).is_empty());
    assert_eq!(s.next_wake(), Some(t0 + 200 * MS));
    assert_eq!(
        names(&drain(&mut s, t0 + 200 * MS, true)),
        ["fetch http://a.test/1"],
        "due exactly at the delay, even with the first page still out"
    );
    assert_eq!(s.next_wake(), Some(t0 + 400 * MS));

    // Due, but no worker is free: parked, with no timer.
    assert!(drain(&mut s, t0 + 400 * MS, false).is_empty());
    assert_eq!(s.next_wake(), None, "a parked host waits for worker_free");
    assert!(drain(&mut s, t0 + 450 * MS, false).is_empty());
    assert_eq!(
        names(&drain(&mut s, t0 + 450 * MS, true)),
        ["fetch http://a.test/2"]
    );
    assert_eq!(
        s.next_wake(),
        Some(t0 + 650 * MS),
        "spacing counts from the start"
    );
}

#[test]
fn a_host_without_delay_needs_no_free_worker() {
    let mut s = sched(rules(), &["http://a.test/"]);
    offer(&mut s, &["http://a.test/1", "http://a.test/2"]);
    let t0 = Instant::now();
    assert_eq!(
        names(&drain(&mut s, t0, false)),
        [
            "fetch http://a.test/",
            "fetch http://a.test/1",
            "fetch http://a.test/2"
        ]
    );
    assert_eq!(s.next_wake(), None);
}

#[test]
fn delays_are_per_host() {
    let mut s = sched(delayed(200 * MS), &["http://a.test/", "http://b.test/"]);
    offer(&mut s, &["http://a.test/1"]);
    let t0 = Instant::now();
    assert_eq!(
        names(&drain(&mut s, t0, true)),
        ["fetch http://a.test/", "fetch http://b.test/"]
    );
    assert_eq!(
        names(&drain(&mut s, t0 + 200 * MS, true)),
        ["fetch http://a.test/1"]
    );
}

// 3. --per-host

#[test]
fn per_host_limits_the_jobs_out_until_answered() {
    let mut s = sched(
        Rules {
            per_host: 2,
            ..rules()
        },
        &["http://a.test/", "http://b.test/"],
    );
    offer(
        &mut s,
        &[
            "http://a.test/1",
            "http://a.test/2",
            "http://a.test/3",
            "http://b.test/1",
        ],
    );
    let t0 = Instant::now();
    assert_eq!(
        names(&drain(&mut s, t0, true)),
        [
            "fetch http://a.test/",
            "fetch http://b.test/",
            "fetch http://a.test/1",
            "fetch http://b.test/1",
        ]
    );
    assert!(drain(&mut s, t0 + SEC, true).is_empty());
    assert_eq!(s.next_wake(), None, "woken by an answer, not a timer");
    done(&mut s, &entry("http://a.test/", 0));
    assert!(
        drain(&mut s, t0 + SEC, true).is_empty(),
        "complete does not free the slot: answered does"
    );
    answer(&mut s, "http://a.test/", Some(200), t0 + SEC);
    assert_eq!(
        names(&drain(&mut s, t0 + SEC, true)),
        ["fetch http://a.test/2"]
    );
    answer(&mut s, "http://a.test/", Some(200), t0 + SEC);
    answer(&mut s, "http://a.test/", Some(200), t0 + SEC);
    assert_eq!(
        names(&drain(&mut s, t0 + SEC, true)),
        ["fetch http://a.test/3"]
    );
}

#[test]
fn per_host_at_or_above_workers_does_not_bind() {
    for per_host in [8, 9] {
        let mut s = sched(
            Rules {
                per_host,
                workers: 8,
                ..rules()
            },
            &["http://a.test/"],
        );
        let more: Vec<String> = (1..=10).map(|i| format!("http://a.test/{i}")).collect();
        let more: Vec<&str> = more.iter().map(String::as_str).collect();
        offer(&mut s, &more);
        let t0 = Instant::now();
        assert_eq!(drain(&mut s, t0, false).len(), 11, "per_host {per_host}");
    }
}

#[test]
fn per_host_counts_the_robots_job() {
    let mut s = sched(
        Rules {
            robots: true,
            per_host: 1,
            ..rules()
        },
        &["http://a.test/"],
    );
    offer(&mut s, &["http://a.test/1"]);
    let t0 = Instant::now();
    assert_eq!(names(&drain(&mut s, t0, true)), ["robots http://a.test/"]);
    s.robots_known(
        &origin("http://a.test/"),
        Arc::new(RobotsRules::allow_all()),
    );
    assert!(
        drain(&mut s, t0, true).is_empty(),
        "the robots job holds the slot until answered"
    );
    answer(&mut s, "http://a.test/", None, t0);
    assert_eq!(names(&drain(&mut s, t0, true)), ["fetch http://a.test/"]);
}

// 4. retries

#[test]
fn a_retry_waits_for_its_moment() {
    let mut s = sched(rules(), &["http://a.test/"]);
    let t0 = Instant::now();
    let first = only(drain(&mut s, t0, true));
    assert_eq!(show(&first), "fetch http://a.test/");
    let e = fetched(&first);
    answer(&mut s, "http://a.test/", Some(500), t0);
    s.retry_later(e.clone(), 1, t0 + SEC);
    assert!(!s.is_done(), "a retry is waiting");
    assert_eq!(s.next_wake(), Some(t0 + SEC));
    assert!(drain(&mut s, t0 + SEC - MS, true).is_empty());
    assert_eq!(s.next_wake(), Some(t0 + SEC));
    assert!(!s.is_done());
    assert_eq!(s.counts().retries, 0);
    let again = only(drain(&mut s, t0 + SEC, true));
    let Next::Job(Job::Fetch {
        entry: e2,
        attempt,
        resume,
        validators,
        ..
    }) = &again
    else {
        panic!("a fetch, got {}", show(&again))
    };
    assert_eq!((*e2 == e, *attempt), (true, 1));
    assert!(resume.is_none() && validators.is_none());
    assert_eq!(s.counts().retries, 1);
    assert_eq!(s.counts().requested, 1, "a retry is no new request");
    assert!(!s.is_done(), "the retry is out");
    answer(&mut s, "http://a.test/", Some(200), t0 + SEC);
    done(&mut s, &e);
    assert!(s.is_done());
}

#[test]
fn retries_go_out_earliest_first_before_new_pages() {
    let mut s = sched(rules(), &["http://a.test/1", "http://a.test/2"]);
    let t0 = Instant::now();
    let out = drain(&mut s, t0, true);
    assert_eq!(out.len(), 2, "{:?}", names(&out));
    let (e1, e2) = (fetched(&out[0]), fetched(&out[1]));
    s.offer(links(&["http://a.test/4"]), 0, None, false);
    for _ in 0..2 {
        answer(&mut s, "http://a.test/", Some(500), t0);
    }
    s.retry_later(e1, 1, t0 + 2 * SEC);
    s.retry_later(e2, 2, t0 + SEC);
    assert_eq!(
        names(&drain(&mut s, t0 + 3 * SEC, true)),
        [
            "fetch#2 http://a.test/2",
            "fetch#1 http://a.test/1",
            "fetch http://a.test/4",
        ]
    );
}

#[test]
fn a_waiting_retry_holds_the_depth_gate() {
    let mut s = sched(rules(), &["http://a.test/"]);
    s.offer(links(&["http://a.test/deep"]), 2, None, false);
    let t0 = Instant::now();
    let out = drain(&mut s, t0, true);
    assert_eq!(names(&out), ["fetch http://a.test/"]);
    answer(&mut s, "http://a.test/", Some(503), t0);
    s.retry_later(fetched(&out[0]), 1, t0 + SEC);
    assert!(drain(&mut s, t0 + SEC - MS, true).is_empty());
    assert_eq!(
        names(&drain(&mut s, t0 + SEC, true)),
        ["fetch#1 http://a.test/"]
    );
    answer(&mut s, "http://a.test/", Some(200), t0 + SEC);
    assert!(drain(&mut s, t0 + SEC, true).is_empty());
    done(&mut s, &entry("http://a.test/", 0));
    assert_eq!(
        names(&drain(&mut s, t0 + SEC, true)),
        ["fetch http://a.test/deep"]
    );
}

// 5. the circuit breaker

/// A host with 3 jobs out at a time and `n` pages queued.
fn busy_host(max_retry_after: Duration, n: usize) -> LocalScheduler {
    let mut s = sched(
        Rules {
            per_host: 3,
            max_retry_after,
            ..rules()
        },
        &[],
    );
    let urls: Vec<String> = (1..=n).map(|i| format!("http://a.test/{i}")).collect();
    let urls: Vec<&str> = urls.iter().map(String::as_str).collect();
    s.offer(links(&urls), 0, None, false);
    s
}

#[test]
fn three_overloads_pause_the_host_and_the_pause_doubles() {
    let a = origin("http://a.test/");
    let mut s = busy_host(Duration::from_secs(10), 9);
    let t0 = Instant::now();
    assert_eq!(
        names(&drain(&mut s, t0, true)),
        [
            "fetch http://a.test/1",
            "fetch http://a.test/2",
            "fetch http://a.test/3"
        ]
    );
    let t = t0 + SEC;
    s.answered(&a, Answered::Robots, Some(503), None, t);
    s.answered(&a, Answered::Robots, Some(429), None, t);
    s.answered(
        &a,
        Answered::Robots,
        Some(429),
        Some(Duration::from_secs(86_400)),
        t,
    );
    assert_eq!(
        s.counts().backed_off.iter().collect::<Vec<_>>(),
        ["http://a.test:80"]
    );
    assert!(drain(&mut s, t + 4999 * MS, true).is_empty());
    assert_eq!(
        s.next_wake(),
        Some(t + 5 * SEC),
        "the refused Retry-After of a day does not lengthen the 5 s pause"
    );
    assert!(!s.is_done());
    assert_eq!(
        names(&drain(&mut s, t + 5 * SEC, true)),
        [
            "fetch http://a.test/4",
            "fetch http://a.test/5",
            "fetch http://a.test/6"
        ]
    );

    let t2 = t + 6 * SEC;
    for _ in 0..3 {
        s.answered(&a, Answered::Robots, Some(503), None, t2);
    }
    assert!(drain(&mut s, t2 + 9999 * MS, true).is_empty());
    assert_eq!(s.next_wake(), Some(t2 + 10 * SEC), "the second trip: 10 s");
    assert_eq!(
        names(&drain(&mut s, t2 + 10 * SEC, true)),
        [
            "fetch http://a.test/7",
            "fetch http://a.test/8",
            "fetch http://a.test/9"
        ]
    );
    assert_eq!(s.counts().backed_off.len(), 1);
}

#[test]
fn a_good_answer_resets_the_overload_count() {
    let a = origin("http://a.test/");
    let mut s = busy_host(Duration::from_secs(10), 6);
    let t0 = Instant::now();
    assert_eq!(drain(&mut s, t0, true).len(), 3);
    s.answered(&a, Answered::Robots, Some(503), None, t0);
    s.answered(&a, Answered::Robots, Some(503), None, t0);
    s.answered(&a, Answered::Robots, Some(200), None, t0);
    assert_eq!(drain(&mut s, t0, true).len(), 3, "no pause");
    s.answered(&a, Answered::Robots, Some(503), None, t0);
    s.answered(&a, Answered::Robots, None, None, t0); // no response (a robots or resource answer): no count
    s.answered(&a, Answered::Robots, Some(503), None, t0);
    assert!(s.counts().backed_off.is_empty());
}

#[test]
fn an_accepted_retry_after_longer_than_the_doubling_sets_the_pause() {
    let a = origin("http://a.test/");
    let mut s = busy_host(Duration::from_secs(60), 6);
    let t0 = Instant::now();
    assert_eq!(drain(&mut s, t0, true).len(), 3);
    let t = t0 + SEC;
    // Only the tripping answer's Retry-After counts.
    s.answered(
        &a,
        Answered::Robots,
        Some(429),
        Some(Duration::from_secs(50)),
        t,
    );
    s.answered(&a, Answered::Robots, Some(429), None, t);
    s.answered(
        &a,
        Answered::Robots,
        Some(429),
        Some(Duration::from_secs(8)),
        t,
    );
    assert!(drain(&mut s, t + 7999 * MS, true).is_empty());
    assert_eq!(s.next_wake(), Some(t + 8 * SEC));
    assert_eq!(drain(&mut s, t + 8 * SEC, true).len(), 3);
}

#[test]
fn a_paused_host_does_not_hold_back_others() {
    let a = origin("http://a.test/");
    let mut s = busy_host(Duration::from_secs(10), 4);
    meet(&mut s, "http://b.test/");
    let t0 = Instant::now();
    assert_eq!(drain(&mut s, t0, true).len(), 3);
    for _ in 0..3 {
        s.answered(&a, Answered::Robots, Some(503), None, t0);
    }
    s.offer(links(&["http://b.test/1"]), 0, None, false);
    assert_eq!(
        names(&drain(&mut s, t0 + SEC, true)),
        ["fetch http://b.test/1"]
    );
    assert_eq!(s.next_wake(), Some(t0 + 5 * SEC));
}

// 6. breadth first and the depth gate

#[test]
fn lowest_depth_first_fifo_within_a_depth() {
    let mut s = sched(rules(), &["http://a.test/"]);
    s.offer(
        links(&["http://a.test/2a", "http://a.test/2b"]),
        2,
        None,
        false,
    );
    offer(&mut s, &["http://a.test/1a", "http://a.test/1b"]);
    s.offer(links(&["http://a.test/3a"]), 3, None, false);
    offer(&mut s, &["http://a.test/1c"]);
    let t0 = Instant::now();
    assert_eq!(
        names(&drain(&mut s, t0, true)),
        [
            "fetch http://a.test/",
            "fetch http://a.test/1a",
            "fetch http://a.test/1b",
            "fetch http://a.test/1c",
        ],
        "depth 2 waits while depth 0 is outstanding"
    );
    answer(&mut s, "http://a.test/", Some(200), t0);
    assert!(
        drain(&mut s, t0, true).is_empty(),
        "answered is not complete: the depth-0 page still holds the gate"
    );
    done(&mut s, &entry("http://a.test/", 0));
    assert_eq!(
        names(&drain(&mut s, t0, true)),
        ["fetch http://a.test/2a", "fetch http://a.test/2b"],
        "depth 3 waits for the depth-1 pages"
    );
    done(&mut s, &entry("http://a.test/1a", 1));
    done(&mut s, &entry("http://a.test/1b", 1));
    assert!(drain(&mut s, t0, true).is_empty());
    done(&mut s, &entry("http://a.test/1c", 1));
    assert_eq!(names(&drain(&mut s, t0, true)), ["fetch http://a.test/3a"]);
}

#[test]
fn a_url_found_shallower_moves_up() {
    let mut s = sched(rules(), &["http://a.test/"]);
    s.offer(links(&["http://a.test/x"]), 3, None, false);
    offer(&mut s, &["http://a.test/y"]);
    let moved = s.offer(links(&["http://a.test/x"]), 1, None, true);
    assert_eq!(moved, [entry("http://a.test/x", 1)]);
    assert!(s
        .offer(links(&["http://a.test/x"]), 2, None, true)
        .is_empty());
    assert_eq!(s.queued(), 3);
    let t0 = Instant::now();
    let out = drain(&mut s, t0, true);
    assert_eq!(
        names(&out),
        [
            "fetch http://a.test/",
            "fetch http://a.test/y",
            "fetch http://a.test/x"
        ]
    );
    assert_eq!(fetched(&out[2]).depth, 1);
    assert_eq!(s.queued(), 0);
}

#[test]
fn the_depth_gate_is_per_host() {
    let mut s = sched(rules(), &["http://a.test/"]);
    s.offer(links(&["http://b.test/deep"]), 2, None, false);
    let t0 = Instant::now() + SEC;
    assert_eq!(
        names(&drain(&mut s, t0, true)),
        ["fetch http://a.test/", "fetch http://b.test/deep"]
    );
}

// 7. take_back

#[test]
fn take_back_undoes_the_counts_and_frees_the_slot() {
    let mut s = sched(
        Rules {
            per_host: 1,
            ..rules()
        },
        &["http://a.test/"],
    );
    s.offer(links(&["http://a.test/deep"]), 2, None, false);
    let t0 = Instant::now();
    let first = only(drain(&mut s, t0, true));
    assert_eq!(s.counts().requested, 1);
    s.take_back(job(first));
    assert_eq!(s.counts().requested, 0);
    assert_eq!(
        names(&drain(&mut s, t0, true)),
        ["fetch http://a.test/"],
        "the slot is free again and the page comes back first (its depth gate holds the deeper one)"
    );
}

#[test]
fn a_page_taken_back_is_handed_out_again() {
    let mut s = sched(rules(), &["http://a.test/"]);
    let t0 = Instant::now();
    let first = only(drain(&mut s, t0, true));
    let e = fetched(&first);
    s.take_back(job(first));
    assert!(!s.is_done(), "the page is still to do");
    let again = only(drain(&mut s, t0, true));
    assert_eq!(show(&again), "fetch http://a.test/");
    assert_eq!(fetched(&again), e);
    assert_eq!(s.counts().requested, 1, "one request overall");
}

#[test]
fn retries_continuations_and_resources_taken_back_are_handed_out_again() {
    let mut s = sched(rules(), &["http://a.test/1", "http://a.test/2"]);
    let t0 = Instant::now();
    let out = drain(&mut s, t0, true);
    let (e1, e2) = (fetched(&out[0]), fetched(&out[1]));
    answer(&mut s, "http://a.test/", Some(503), t0);
    answer(&mut s, "http://a.test/", Some(301), t0);
    s.retry_later(e1, 1, t0);
    let next = continuation("http://a.test/moved", "http://a.test/2", 301);
    s.hand_over(e2, 0, None, next);
    s.add_resource(ResourceKind::Sitemap, url("http://a.test/sitemap.xml"), 1);
    let sent = drain(&mut s, t0, true);
    let expected = [
        "resume#0 http://a.test/2 -> http://a.test/moved",
        "Sitemap http://a.test/sitemap.xml",
        "fetch#1 http://a.test/1",
    ];
    assert_eq!(names(&sent), expected);
    for next in sent {
        s.take_back(job(next));
    }
    assert_eq!((s.counts().retries, s.counts().resources), (0, 0));
    assert!(!s.is_done(), "all three are still to do");
    assert_eq!(names(&drain(&mut s, t0, true)), expected);
}

#[test]
fn a_robots_job_taken_back_is_sent_again() {
    let mut s = sched(robots_on(), &["http://a.test/"]);
    let t0 = Instant::now();
    let robots = only(drain(&mut s, t0, true));
    assert_eq!(show(&robots), "robots http://a.test/");
    s.take_back(job(robots));
    assert_eq!(s.counts().resources, 0);
    assert_eq!(names(&drain(&mut s, t0, true)), ["robots http://a.test/"]);
    assert_eq!(s.counts().resources, 1);
}

#[test]
fn a_robots_job_taken_back_is_sent_again_when_a_timer_wakes_its_host() {
    let mut s = sched(
        Rules {
            robots: true,
            delay: 200 * MS,
            ..rules()
        },
        &["http://a.test/"],
    );
    let t0 = Instant::now();
    let robots = only(drain(&mut s, t0, true));
    s.take_back(job(robots));
    assert_eq!(s.counts().resources, 0);
    assert!(drain(&mut s, t0 + 199 * MS, true).is_empty());
    assert_eq!(
        names(&drain(&mut s, t0 + 200 * MS, true)),
        ["robots http://a.test/"],
        "the spacing of the job taken back still holds"
    );
    assert_eq!(s.counts().resources, 1);
}

// 8. hand_over

fn continuation(to: &str, from: &str, status: u16) -> Continuation {
    Continuation {
        url: url(to),
        from: url(from),
        status,
        hops: 1,
        seen: Vec::new(),
        started: chrono::Utc::now(),
        elapsed: 5 * MS,
    }
}

/// robots on; a.test's robots.txt allows all and its seed is out (answered 301); b.test is met
/// (so its robots job names `http://b.test/`, the URL it was first seen by).
fn redirected_seed() -> (LocalScheduler, Entry, Instant) {
    let mut s = sched(robots_on(), &["http://a.test/"]);
    meet(&mut s, "http://b.test/");
    let t0 = Instant::now();
    assert_eq!(names(&drain(&mut s, t0, true)), ["robots http://a.test/"]);
    answer(&mut s, "http://a.test/", None, t0);
    s.robots_known(
        &origin("http://a.test/"),
        Arc::new(RobotsRules::allow_all()),
    );
    let page = only(drain(&mut s, t0, true));
    let e = fetched(&page);
    answer(&mut s, "http://a.test/", Some(301), t0);
    (s, e, t0)
}

#[test]
fn a_handed_over_page_waits_for_the_robots_txt_of_its_new_origin() {
    let (mut s, e, t0) = redirected_seed();
    let next = continuation("http://b.test/target", "http://a.test/", 301);
    s.hand_over(e.clone(), 0, None, next);
    assert!(!s.is_done());
    assert_eq!(names(&drain(&mut s, t0, true)), ["robots http://b.test/"]);
    answer(&mut s, "http://b.test/", None, t0);
    assert!(drain(&mut s, t0, true).is_empty());
    s.robots_known(
        &origin("http://b.test/"),
        Arc::new(RobotsRules::allow_all()),
    );
    let out = drain(&mut s, t0, true);
    assert_eq!(
        names(&out),
        ["resume#0 http://a.test/ -> http://b.test/target"]
    );
    let Next::Job(Job::Fetch {
        origin: o,
        entry: e2,
        resume: Some(c),
        ..
    }) = &out[0]
    else {
        panic!("a continuation")
    };
    assert_eq!(o, &origin("http://b.test/"));
    assert_eq!(e2, &e);
    assert_eq!(
        (c.from.as_str(), c.status, c.hops),
        ("http://a.test/", 301, 1)
    );
    assert_eq!(s.counts().requested, 1, "a continuation is no new request");
    assert_eq!(s.counts().resources, 2);
    assert!(!s.is_done());
    answer(&mut s, "http://b.test/", Some(200), t0);
    finish(&mut s, &e, Some(link("http://b.test/target").key));
    assert!(s.is_done());
}

#[test]
fn a_handed_over_page_robots_refuses_is_a_row() {
    let (mut s, e, t0) = redirected_seed();
    let next = continuation("http://b.test/private/x", "http://a.test/", 302);
    s.hand_over(e.clone(), 1, None, next);
    assert_eq!(names(&drain(&mut s, t0, true)), ["robots http://b.test/"]);
    answer(&mut s, "http://b.test/", None, t0);
    s.robots_known(&origin("http://b.test/"), disallow_private());
    let out = drain(&mut s, t0, true);
    assert_eq!(names(&out), ["row Some(Robots) http://a.test/"]);
    let Next::Row(key, row) = &out[0] else {
        panic!("a row")
    };
    assert_eq!(*key, e.key);
    assert_eq!(row.final_url, "http://a.test/");
    assert_eq!(row.status, Some(302));
    assert_eq!(row.error, Some(ErrorClass::Robots));
    assert_eq!(
        (row.depth, row.bytes, row.elapsed_ms),
        (0, Some(0), Some(5))
    );
    assert!(s.is_done(), "nothing out, waiting or queued");
}

#[test]
fn a_hand_over_to_a_host_with_a_delay_keeps_its_spacing() {
    let mut s = sched(delayed(200 * MS), &["http://a.test/", "http://a.test/2"]);
    let t0 = Instant::now();
    let page = only(drain(&mut s, t0, true));
    answer(&mut s, "http://a.test/", Some(301), t0 + 10 * MS);
    let next = continuation("http://a.test/moved", "http://a.test/", 301);
    s.hand_over(fetched(&page), 0, None, next);
    assert!(drain(&mut s, t0 + 199 * MS, true).is_empty());
    assert_eq!(
        names(&drain(&mut s, t0 + 200 * MS, true)),
        ["resume#0 http://a.test/ -> http://a.test/moved"],
        "the continuation goes before the next page"
    );
    assert_eq!(
        names(&drain(&mut s, t0 + 400 * MS, true)),
        ["fetch http://a.test/2"]
    );
}

// 9. is_done

#[test]
fn is_done_only_when_nothing_is_queued_waiting_or_out() {
    let mut s = LocalScheduler::new(rules(), 0);
    assert!(s.is_done(), "an empty crawl");
    s.seed(&[url("http://a.test/")]);
    assert!(!s.is_done(), "queued");
    let t0 = Instant::now();
    let page = only(drain(&mut s, t0, true));
    assert!(!s.is_done(), "out");
    answer(&mut s, "http://a.test/", Some(200), t0);
    assert!(
        s.is_done(),
        "answered is enough: complete is not waited for (the coordinator does both in one step)"
    );
    s.add_resource(ResourceKind::Feed, url("http://a.test/feed"), 1);
    assert!(!s.is_done(), "a feed waiting");
    let feed = only(drain(&mut s, t0, true));
    assert_eq!(show(&feed), "Feed http://a.test/feed");
    assert_eq!(s.counts().resources, 1);
    assert!(!s.is_done(), "the feed is out");
    answer(&mut s, "http://a.test/", None, t0);
    done(&mut s, &fetched(&page));
    assert!(s.is_done());
    offer(&mut s, &["http://a.test/"]);
    assert!(s.is_done(), "a seen URL is not queued again");
}

#[test]
fn max_pages_ends_the_crawl_with_a_queue() {
    let mut s = sched(
        Rules {
            max_pages: Some(2),
            ..rules()
        },
        &["http://a.test/"],
    );
    offer(&mut s, &["http://a.test/1", "http://a.test/2"]);
    let t0 = Instant::now();
    let out = drain(&mut s, t0, true);
    assert_eq!(
        names(&out),
        ["fetch http://a.test/", "fetch http://a.test/1"]
    );
    assert!(!s.is_done(), "two pages out");
    answer(&mut s, "http://a.test/", Some(200), t0);
    answer(&mut s, "http://a.test/", Some(200), t0);
    for page in &out {
        done(&mut s, &fetched(page));
    }
    assert_eq!(s.queued(), 1);
    assert!(s.is_done(), "the page limit is reached");
    assert!(drain(&mut s, t0, true).is_empty());
}

#[test]
fn max_pages_counts_the_earlier_runs() {
    let mut s = LocalScheduler::new(
        Rules {
            max_pages: Some(2),
            ..rules()
        },
        1,
    );
    s.restore(
        vec![entry("http://a.test/1", 1), entry("http://a.test/2", 1)],
        vec![link("http://a.test/").key],
    );
    assert_eq!(s.queued(), 2);
    let t0 = Instant::now();
    assert_eq!(names(&drain(&mut s, t0, true)), ["fetch http://a.test/1"]);
    answer(&mut s, "http://a.test/", Some(200), t0);
    done(&mut s, &entry("http://a.test/1", 1));
    assert!(s.is_done());
    assert!(!s.is_seen(link("http://a.test/3").key));
    assert!(s.is_seen(link("http://a.test/").key));
}

#[test]
fn max_pages_per_host_drops_the_rest_of_that_host() {
    let mut s = sched(
        Rules {
            max_pages_per_host: Some(1),
            ..rules()
        },
        &["http://a.test/", "http://b.test/"],
    );
    offer(&mut s, &["http://a.test/1"]);
    let t0 = Instant::now();
    assert_eq!(
        names(&drain(&mut s, t0, true)),
        ["fetch http://a.test/", "fetch http://b.test/"]
    );
    assert_eq!(s.queued(), 0, "a.test/1 dropped");
    answer(&mut s, "http://a.test/", Some(200), t0);
    answer(&mut s, "http://b.test/", Some(200), t0);
    done(&mut s, &entry("http://a.test/", 0));
    done(&mut s, &entry("http://b.test/", 0));
    assert!(s.is_done());
}

// The clock

#[test]
fn a_host_is_ready_at_any_now_passed_in() {
    let t0 = Instant::now();
    let mut s = sched(rules(), &["http://a.test/"]);
    assert_eq!(names(&drain(&mut s, t0, true)), ["fetch http://a.test/"]);
    assert_eq!(s.next_wake(), None, "no timer the caller never set");
}

// Issue 19: robots.txt retried through the scheduler; a host given up after --max-host-pause.

#[test]
fn a_failed_robots_txt_is_asked_again_at_its_moment_before_anything_else() {
    let mut s = sched(robots_on(), &["http://a.test/"]);
    let a = origin("http://a.test/");
    let t0 = Instant::now();
    let first = only(drain(&mut s, t0, true));
    assert!(matches!(&first, Next::Job(Job::Robots { attempt: 0, .. })));
    s.answered(&a, Answered::Robots, Some(503), None, t0 + MS);
    s.robots_later(&a, url("http://a.test/"), 1, t0 + 600 * MS);
    assert!(
        drain(&mut s, t0 + 599 * MS, true).is_empty(),
        "nothing of the host before the retry's moment"
    );
    assert_eq!(s.next_wake(), Some(t0 + 600 * MS));
    assert!(!s.is_done());
    let again = only(drain(&mut s, t0 + 600 * MS, true));
    assert!(matches!(&again, Next::Job(Job::Robots { attempt: 1, .. })));
    assert_eq!(s.counts().retries, 1);
    assert_eq!(s.counts().resources, 2);
    // Taken back on a stop: the same attempt goes out again.
    s.take_back(job(again));
    assert_eq!(s.counts().retries, 0);
    let again = only(drain(&mut s, t0 + 700 * MS, true));
    assert!(matches!(&again, Next::Job(Job::Robots { attempt: 1, .. })));
    s.answered(&a, Answered::Robots, None, None, t0 + 800 * MS);
    s.robots_known(&a, disallow_private());
    assert_eq!(
        names(&drain(&mut s, t0 + 800 * MS, true)),
        ["fetch http://a.test/"]
    );
}

#[test]
fn a_host_whose_pauses_would_pass_max_host_pause_is_given_up_and_its_pages_become_rows() {
    let a = origin("http://a.test/");
    let mut s = busy_host(Duration::from_secs(10), 7);
    s.rules.max_host_pause = Duration::from_secs(12);
    meet(&mut s, "http://b.test/");
    s.offer(links(&["http://b.test/1"]), 0, None, false);
    let t0 = Instant::now();
    let mut first = names(&drain(&mut s, t0, true));
    first.sort();
    assert_eq!(
        first,
        [
            "fetch http://a.test/1",
            "fetch http://a.test/2",
            "fetch http://a.test/3",
            "fetch http://b.test/1"
        ]
    );
    // The first trip pauses 5 s (5 <= 12).
    for _ in 0..3 {
        s.answered(&a, Answered::Robots, Some(429), None, t0 + SEC);
    }
    assert!(s.counts().gave_up.is_empty());
    let t = t0 + 6 * SEC;
    assert_eq!(
        names(&drain(&mut s, t, true)),
        [
            "fetch http://a.test/4",
            "fetch http://a.test/5",
            "fetch http://a.test/6"
        ]
    );
    // The second would pause 10 s more: 15 s > 12 s, the host is given up, no timer set.
    let entry4 = entry("http://a.test/4", 0);
    for _ in 0..3 {
        s.answered(&a, Answered::Robots, Some(429), None, t + SEC);
    }
    assert_eq!(
        s.counts().gave_up.iter().collect::<Vec<_>>(),
        ["http://a.test:80"]
    );
    assert_eq!(s.next_wake(), None, "no pause to wait out");
    // A page of it waiting for a retry and the rest of its queue: rows, no request.
    s.retry_later(entry4, 1, t + 2 * SEC);
    assert_eq!(
        names(&drain(&mut s, t + SEC, true)),
        [
            "row Some(HostGaveUp) http://a.test/4",
            "row Some(HostGaveUp) http://a.test/7"
        ]
    );
    assert_eq!(s.counts().requested, 7, "nothing more was requested");
    // Links to it later become rows too; the other host goes on.
    offer(&mut s, &["http://a.test/8", "http://b.test/2"]);
    let mut later = names(&drain(&mut s, t + 2 * SEC, true));
    later.sort();
    assert_eq!(
        later,
        [
            "fetch http://b.test/2",
            "row Some(HostGaveUp) http://a.test/8"
        ]
    );
}
