//! Evaluation of the `--text` extractor (`trawl::article`) on saved real pages: for each page of
//! a corpus laid out as `NAME/source.html` + `NAME/expected.html` (the layout of Mozilla
//! Readability's test pages, `../shared/corpora/readability-test-pages` from the project's root),
//! the word-level F1 of 4-word shingles of our text against the text of `expected.html`, and the
//! CPU time per page (DOM build included).
//!
//! Usage: `cargo run --release --example article_eval -- [CORPUS_DIR] [--runs N] [--texts DIR]
//! [--show NAME [--markdown]]`. The corpus directory may also come from `TRAWL_TEXT_CORPUS`; when it is
//! absent the tool says so and exits 0 (a user's clone has no corpus). `--texts DIR` scores
//! another extractor's output instead (`DIR/NAME.txt`, e.g. a candidate crate run elsewhere), so
//! all candidates are measured with the same metric. `--show NAME` prints our text of one page
//! (`--markdown`: as Markdown).
//!
//! The metric: words are the maximal runs of alphanumeric characters, lowercased; a page's
//! shingles are its overlapping 4-word windows, counted as a multiset; precision and recall are
//! per page and averaged over pages, and F1 is taken of those means. `expected.html` is one
//! program's output (it keeps image captions and some boilerplate), not a person's answer: use
//! the figures to find gross errors and regressions, not as the definition of right.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use scraper::{ElementRef, Html, Node};
use trawl::article::{article_text, TextFormat};
use url::Url;

/// Elements that do not separate words in the reference's text.
const INLINE: &[&str] = &[
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font", "i", "kbd",
    "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var",
];

struct Args {
    dir: PathBuf,
    runs: usize,
    texts: Option<PathBuf>,
    show: Option<String>,
    markdown: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut dir = std::env::var_os("TRAWL_TEXT_CORPUS").map(PathBuf::from);
    let mut runs = 1;
    let mut texts = None;
    let mut show = None;
    let mut markdown = false;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--runs" => {
                let v = it.next().ok_or("--runs needs a number")?;
                runs = v
                    .parse()
                    .map_err(|_| format!("--runs {v:?}: not a number"))?;
                runs = runs.max(1);
            }
            "--texts" => texts = Some(PathBuf::from(it.next().ok_or("--texts needs a dir")?)),
            "--show" => show = Some(it.next().ok_or("--show needs a page name")?),
            "--markdown" => markdown = true,
            _ if a.starts_with("--") => return Err(format!("unknown option {a}")),
            _ => dir = Some(PathBuf::from(a)),
        }
    }
    let dir = dir.unwrap_or_else(|| {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora/readability-test-pages")
    });
    Ok(Args {
        dir,
        runs,
        texts,
        show,
        markdown,
    })
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("article_eval: {e}");
            std::process::exit(2);
        }
    };
    let Ok(entries) = std::fs::read_dir(&args.dir) else {
        println!(
            "article_eval: no corpus at {} (set TRAWL_TEXT_CORPUS or pass a directory); skipped",
            args.dir.display()
        );
        return;
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().join("source.html").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    if let Some(name) = &args.show {
        let Ok(html) = std::fs::read_to_string(args.dir.join(name).join("source.html")) else {
            eprintln!("article_eval: no page {name} in {}", args.dir.display());
            std::process::exit(2);
        };
        let url = page_url(name);
        let format = if args.markdown {
            TextFormat::Markdown
        } else {
            TextFormat::Plain
        };
        let text = article_text(&html, &url, format);
        // A closed pipe (`| head`) is not an error here.
        let _ = writeln!(std::io::stdout(), "{text}");
        return;
    }

    let mut rows = Vec::new();
    let mut parse_ms = Vec::new();
    for name in &names {
        let page = args.dir.join(name);
        let (Ok(html), Ok(expected)) = (
            std::fs::read_to_string(page.join("source.html")),
            std::fs::read_to_string(page.join("expected.html")),
        ) else {
            continue;
        };
        let url = page_url(name);
        let (text, ms) = match &args.texts {
            Some(dir) => (
                std::fs::read_to_string(dir.join(format!("{name}.txt"))).unwrap_or_default(),
                f64::NAN,
            ),
            None => {
                let mut best = f64::INFINITY;
                let mut text = String::new();
                for _ in 0..args.runs {
                    let t = Instant::now();
                    text = article_text(&html, &url, TextFormat::Plain);
                    best = best.min(t.elapsed().as_secs_f64() * 1e3);
                }
                let mut parse_best = f64::INFINITY;
                for _ in 0..args.runs {
                    let t = Instant::now();
                    let doc = Html::parse_document(&html);
                    parse_best = parse_best.min(t.elapsed().as_secs_f64() * 1e3);
                    drop(doc);
                }
                parse_ms.push(parse_best);
                (text, best)
            }
        };
        let gold = reference_text(&expected);
        let (p, r) = precision_recall(&shingles(&text), &shingles(&gold));
        rows.push((name.clone(), p, r, f1(p, r), ms, html.len(), rows.len()));
    }
    if rows.is_empty() {
        println!("article_eval: no pages in {}; skipped", args.dir.display());
        return;
    }
    rows.sort_by(|a, b| a.3.total_cmp(&b.3));
    // Each row's index into `parse_ms` (pushed in corpus order).
    let parse_order: Vec<usize> = rows.iter().map(|r| r.6).collect();
    println!(
        "{:<44} {:>6} {:>6} {:>6} {:>8} {:>8} {:>6}",
        "page", "P", "R", "F1", "ms", "dom ms", "KB"
    );
    for (name, p, r, f, ms, len, i) in &rows {
        let dom = parse_ms.get(*i).copied().unwrap_or(f64::NAN);
        println!(
            "{name:<44} {p:>6.3} {r:>6.3} {f:>6.3} {ms:>8.2} {dom:>8.2} {:>6}",
            len / 1024
        );
    }
    let n = rows.len() as f64;
    let mp = rows.iter().map(|r| r.1).sum::<f64>() / n;
    let mr = rows.iter().map(|r| r.2).sum::<f64>() / n;
    println!(
        "pages {}  mean P {mp:.4}  R {mr:.4}  F1 {:.4}",
        rows.len(),
        f1(mp, mr)
    );
    if args.texts.is_none() {
        let mut ms: Vec<f64> = rows.iter().map(|r| r.4).collect();
        println!(
            "ms/page (min of {} runs, DOM build included): median {:.3}  mean {:.3}  total {:.1}",
            args.runs,
            median(&mut ms),
            ms.iter().sum::<f64>() / n,
            ms.iter().sum::<f64>()
        );
        let mut extra: Vec<f64> = rows
            .iter()
            .zip(&parse_order)
            .map(|(r, &i)| r.4 - parse_ms[i])
            .collect();
        println!(
            "DOM build alone: median {:.3}  total {:.1}; extraction beyond it: median {:.3}  \
             total {:.1}",
            median(&mut parse_ms.clone()),
            parse_ms.iter().sum::<f64>(),
            median(&mut extra),
            extra.iter().sum::<f64>()
        );
    }
}

/// The URL a page is taken to be served at (the corpus does not record one).
fn page_url(name: &str) -> Url {
    Url::parse(&format!("https://example.com/{name}/")).unwrap_or_else(|_| {
        Url::parse("https://example.com/").unwrap_or_else(|_| unreachable!("a valid literal"))
    })
}

fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn f1(p: f64, r: f64) -> f64 {
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

/// The text of the reference extraction: every text node, with a space at the edges of the
/// elements that separate words (all but the inline ones).
fn reference_text(html: &str) -> String {
    let doc = Html::parse_fragment(html);
    let mut out = String::new();
    collect(doc.root_element(), &mut out);
    out
}

fn collect(el: ElementRef<'_>, out: &mut String) {
    let inline = INLINE.contains(&el.value().name());
    if !inline {
        out.push(' ');
    }
    for child in el.children() {
        match child.value() {
            Node::Text(t) => out.push_str(t),
            Node::Element(_) => {
                if let Some(e) = ElementRef::wrap(child) {
                    collect(e, out);
                }
            }
            _ => {}
        }
    }
    if !inline {
        out.push(' ');
    }
}

/// The multiset of overlapping 4-word windows of `text` (the words themselves when fewer).
fn shingles(text: &str) -> HashMap<Vec<String>, usize> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let mut m = HashMap::new();
    if words.len() < 4 {
        if !words.is_empty() {
            *m.entry(words).or_insert(0) += 1;
        }
        return m;
    }
    for w in words.windows(4) {
        *m.entry(w.to_vec()).or_insert(0) += 1;
    }
    m
}

/// Precision and recall of `got` against `want` (both 1 when both are empty).
fn precision_recall(
    got: &HashMap<Vec<String>, usize>,
    want: &HashMap<Vec<String>, usize>,
) -> (f64, f64) {
    let total = |m: &HashMap<Vec<String>, usize>| m.values().sum::<usize>();
    let (ng, nw) = (total(got), total(want));
    if ng == 0 && nw == 0 {
        return (1.0, 1.0);
    }
    let common: usize = got
        .iter()
        .map(|(k, &c)| c.min(want.get(k).copied().unwrap_or(0)))
        .sum();
    let p = if ng == 0 {
        0.0
    } else {
        common as f64 / ng as f64
    };
    let r = if nw == 0 {
        0.0
    } else {
        common as f64 / nw as f64
    };
    (p, r)
}
