//! The row schema, written once: the column names ([`COLUMNS`], [`META_COLUMNS`],
//! [`TEXT_COLUMN`]), a [`Row`] to its cells and back, and the metadata cells to and from a
//! [`Meta`]. The sinks (`output`), the Redis row codec (`shared::codec`) and the state store
//! (`state`) take the layout from here and spell it nowhere else. Plain conversions; no I/O.
//!
//! Invariant: `Row::from_stored_cells(row.stored_cells()) == row` for every row without a
//! `dedup_key` (never stored), and `Meta::from_cells(m.cells()) == m`.

use super::{packed_text, Row};
use crate::error::ErrorClass;
use crate::meta::Meta;

/// The CSV columns, in order. Their names are a stable interface (also the JSONL field names).
pub const COLUMNS: [&str; 13] = [
    "url",
    "final_url",
    "depth",
    "parent",
    "status",
    "content_type",
    "title",
    "links",
    "bytes",
    "elapsed_ms",
    "fetched_at",
    "encoding",
    "error",
];

/// The `--meta` column names, in output order (after the [`COLUMNS`]).
pub const META_COLUMNS: [&str; 12] = [
    "published",
    "modified",
    "date_source",
    "author",
    "description",
    "canonical",
    "lang",
    "kind",
    "section",
    "keywords",
    "headline",
    "site_name",
];

/// The `--text` column's name (last, after the metadata columns with `--meta`).
pub const TEXT_COLUMN: &str = "text";

impl Row {
    /// The row's cells, in [`COLUMNS`] order (what the CSV writes; empty for a `None`).
    pub fn cells(&self) -> [String; COLUMNS.len()] {
        fn opt<T: ToString>(v: Option<T>) -> String {
            v.map(|v| v.to_string()).unwrap_or_default()
        }
        [
            self.url.clone(),
            self.final_url.clone(),
            self.depth.to_string(),
            self.parent.clone(),
            opt(self.status),
            self.content_type.clone(),
            self.title.clone(),
            opt(self.links),
            opt(self.bytes),
            opt(self.elapsed_ms),
            self.fetched_at.clone(),
            self.encoding.clone(),
            self.error
                .map(|e| e.as_str().to_owned())
                .unwrap_or_default(),
        ]
    }

    /// The row as a store keeps it (a JSON row in Redis): its [`COLUMNS`] cells, then the
    /// [`META_COLUMNS`] cells when it has metadata, then its text packed
    /// ([`packed_text::to_cell`]) when it has one. So 13, 14, 25 or 26 cells.
    pub fn stored_cells(&self) -> Vec<String> {
        let mut cells: Vec<String> = self.cells().to_vec();
        if let Some(m) = &self.meta {
            cells.extend(m.cells());
        }
        if !self.text.is_empty() {
            cells.push(packed_text::to_cell(&self.text));
        }
        cells
    }

    /// A stored row back ([`Row::stored_cells`]); an error names what is wrong.
    pub fn from_stored_cells(cells: Vec<String>) -> Result<Row, String> {
        const BASE: usize = COLUMNS.len();
        const WITH_META: usize = BASE + META_COLUMNS.len();
        let n = cells.len();
        if ![BASE, BASE + 1, WITH_META, WITH_META + 1].contains(&n) {
            return Err(format!("a row of {n} cells"));
        }
        let mut cells = cells.into_iter();
        let mut base: Vec<String> = cells.by_ref().take(BASE).collect();
        let meta = if n >= WITH_META {
            let m: Vec<String> = cells.by_ref().take(META_COLUMNS.len()).collect();
            // Exactly META_COLUMNS.len() cells were taken: n >= WITH_META.
            let m: [String; META_COLUMNS.len()] =
                m.try_into().map_err(|_| format!("a row of {n} cells"))?;
            Some(Box::new(Meta::from_cells(m)))
        } else {
            None
        };
        let text = match cells.next() {
            Some(cell) => packed_text::from_cell(&cell).map_err(|e| e.to_string())?,
            None => String::new(),
        };
        fn opt<T: std::str::FromStr>(s: &str) -> Result<Option<T>, String> {
            if s.is_empty() {
                return Ok(None);
            }
            s.parse().map(Some).map_err(|_| format!("bad number {s:?}"))
        }
        let c = &mut base;
        let error = if c[12].is_empty() {
            None
        } else {
            Some(ErrorClass::parse(&c[12]).ok_or_else(|| format!("bad error {:?}", c[12]))?)
        };
        Ok(Row {
            depth: c[2].parse().map_err(|_| format!("bad depth {:?}", c[2]))?,
            status: opt(&c[4])?,
            links: opt(&c[7])?,
            bytes: opt(&c[8])?,
            elapsed_ms: opt(&c[9])?,
            url: std::mem::take(&mut c[0]),
            final_url: std::mem::take(&mut c[1]),
            parent: std::mem::take(&mut c[3]),
            content_type: std::mem::take(&mut c[5]),
            title: std::mem::take(&mut c[6]),
            fetched_at: std::mem::take(&mut c[10]),
            encoding: std::mem::take(&mut c[11]),
            error,
            meta,
            text,
            dedup_key: None,
        })
    }
}

impl Meta {
    /// The cells, in [`META_COLUMNS`] order.
    pub fn cells(&self) -> [String; META_COLUMNS.len()] {
        [
            self.published.clone(),
            self.modified.clone(),
            self.date_source.clone(),
            self.author.clone(),
            self.description.clone(),
            self.canonical.clone(),
            self.lang.clone(),
            self.kind.clone(),
            self.section.clone(),
            self.keywords.clone(),
            self.headline.clone(),
            self.site_name.clone(),
        ]
    }

    /// The metadata of its cells, in [`META_COLUMNS`] order.
    pub fn from_cells(cells: [String; META_COLUMNS.len()]) -> Meta {
        let [published, modified, date_source, author, description, canonical, lang, kind, section, keywords, headline, site_name] =
            cells;
        Meta {
            published,
            modified,
            date_source,
            author,
            description,
            canonical,
            lang,
            kind,
            section,
            keywords,
            headline,
            site_name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_follow_the_column_order() {
        let m = Meta {
            published: "1".into(),
            modified: "2".into(),
            date_source: "3".into(),
            author: "4".into(),
            description: "5".into(),
            canonical: "6".into(),
            lang: "7".into(),
            kind: "8".into(),
            section: "9".into(),
            keywords: "10".into(),
            headline: "11".into(),
            site_name: "12".into(),
        };
        let cells = m.cells();
        assert_eq!(
            cells.iter().map(String::as_str).collect::<Vec<_>>(),
            ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"]
        );
        assert_eq!(META_COLUMNS[0], "published");
        assert_eq!(META_COLUMNS[11], "site_name");
        assert_eq!(Meta::from_cells(cells), m);
    }
}
