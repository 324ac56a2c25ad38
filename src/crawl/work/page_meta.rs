//! The `--meta` side of the workers: building a page's metadata columns from the pieces the
//! HTML pass collected (`crate::meta::build`), with the date a Google News sitemap or a feed gave
//! for the page as the fallback, and the `--dedup-canonical` key of its row. The dates live in
//! one crawl-wide map, filled by the worker that parsed the sitemap or feed and read by the
//! worker that fetches the page (the coordinator offers a resource's pages only after the
//! resource's outcome, so the date is always recorded before its page can be fetched).

use crate::config::Config;
use crate::meta::{self, DateSource, Meta, RawMeta};
use crate::url_norm::{self, UrlKey};
use std::collections::HashMap;
use std::sync::Mutex;
use url::Url;

/// What the workers share for `--meta` (absent without it).
#[derive(Debug, Default)]
pub struct PageMeta {
    /// `--dedup-canonical`: rows carry a dedup key.
    pub dedup_canonical: bool,
    /// The sitemap or feed date of each page that was listed with one (the first listing wins).
    dates: Mutex<HashMap<UrlKey, (String, DateSource)>>,
}

impl PageMeta {
    /// `Some` with `--meta`.
    pub fn for_config(config: &Config) -> Option<PageMeta> {
        config.output_options.meta.then(|| PageMeta {
            dedup_canonical: config.dedup_canonical,
            dates: Mutex::default(),
        })
    }

    /// Remember the dates a sitemap (`DateSource::Sitemap`) or a feed (`DateSource::Feed`) gave
    /// for its pages.
    pub fn listed<'a>(
        &self,
        source: DateSource,
        dates: impl IntoIterator<Item = (&'a Url, &'a str)>,
    ) {
        let mut map = self.dates.lock().unwrap_or_else(|e| e.into_inner());
        for (url, date) in dates {
            map.entry(url_norm::key(url))
                .or_insert_with(|| (date.to_owned(), source));
        }
    }

    /// The date listed for the page requested as `key` (or, after a redirect, for its final URL).
    fn listed_date(&self, key: UrlKey, final_url: &Url) -> Option<(String, DateSource)> {
        let map = self.dates.lock().unwrap_or_else(|e| e.into_inner());
        if map.is_empty() {
            return None;
        }
        map.get(&key)
            .or_else(|| map.get(&url_norm::key(final_url)))
            .cloned()
    }

    /// The page's columns and its dedup key (`None` without `--dedup-canonical`): the canonical
    /// URL, or the final URL when the page names none.
    pub fn build(
        &self,
        raw: &RawMeta,
        key: UrlKey,
        final_url: &Url,
        content_language: Option<&str>,
        fetched_at: chrono::DateTime<chrono::Utc>,
    ) -> (Meta, Option<String>) {
        let listed = self.listed_date(key, final_url);
        let fallback = listed.as_ref().map(|(d, s)| (d.as_str(), *s));
        let meta = meta::build(raw, final_url, content_language, fetched_at, fallback);
        let dedup = self.dedup_canonical.then(|| {
            if meta.canonical.is_empty() {
                final_url.to_string()
            } else {
                meta.canonical.clone()
            }
        });
        (meta, dedup)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_dates_first_wins_and_follow_redirects() {
        let pm = PageMeta::default();
        let a = Url::parse("https://example.com/a").expect("url");
        let b = Url::parse("https://example.com/b").expect("url");
        pm.listed(DateSource::Sitemap, [(&a, "2026-11-30")]);
        pm.listed(
            DateSource::Feed,
            [(&a, "2001-01-01"), (&b, "Mon, 30 Nov 2026 14:05:00 GMT")],
        );
        assert_eq!(
            pm.listed_date(url_norm::key(&a), &a),
            Some(("2026-11-30".to_owned(), DateSource::Sitemap))
        );
        let c = Url::parse("https://example.com/c").expect("url");
        assert_eq!(
            pm.listed_date(url_norm::key(&c), &b).map(|(_, s)| s),
            Some(DateSource::Feed)
        );
        assert_eq!(pm.listed_date(url_norm::key(&c), &c), None);
    }
}
