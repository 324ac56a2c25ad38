//! JSON-LD: the blocks' entities, the page's main entity, and values read from it.
//!
//! See the module docs of [`crate::meta`] for the main-entity rule.

use serde_json::Value;
use url::Url;

use super::text::{clean_name, non_empty};

/// Arrays nested deeper than this (arrays of arrays of ...) are not searched for entities.
const MAX_DEPTH: usize = 8;

/// Every entity (JSON object) of the blocks, in order: top-level arrays and `@graph` flattened,
/// a block that is not valid JSON skipped.
pub(crate) fn entities(blocks: &[String]) -> Vec<Value> {
    let mut out = Vec::new();
    for block in blocks {
        if let Some(value) = parse_block(block) {
            flatten(value, &mut out, 0);
        }
    }
    out
}

/// One block's JSON, after dropping an HTML comment or CDATA wrapper around it.
fn parse_block(text: &str) -> Option<Value> {
    let mut s = text.trim();
    for (open, close) in [("<!--", "-->"), ("<![CDATA[", "]]>")] {
        if let Some(inner) = s.strip_prefix(open) {
            s = inner.strip_suffix(close).unwrap_or(inner).trim();
        }
    }
    serde_json::from_str(s)
        .ok()
        .or_else(|| serde_json::from_str(&repair(s)?).ok())
}

/// What content systems get wrong in hand-built JSON-LD, mended so the block parses: raw line
/// breaks and tabs inside strings (escaped) and trailing commas before `}` or `]` (dropped).
/// `None` when there is nothing to mend.
fn repair(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len() + 16);
    let mut in_string = false;
    let mut escaped = false;
    let mut changed = false;
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                '\n' | '\r' | '\t' => {
                    changed = true;
                    out.push_str(match c {
                        '\n' => "\\n",
                        '\r' => "\\r",
                        _ => "\\t",
                    });
                    continue;
                }
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
        } else if c == ',' {
            let next = chars[i + 1..].iter().find(|n| !n.is_whitespace());
            if matches!(next, Some('}' | ']')) {
                changed = true;
                continue;
            }
        }
        out.push(c);
    }
    changed.then_some(out)
}

fn flatten(value: Value, out: &mut Vec<Value>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match value {
        Value::Array(items) => {
            for item in items {
                flatten(item, out, depth + 1);
            }
        }
        Value::Object(mut map) => match map.remove("@graph") {
            Some(graph) => {
                if map.contains_key("@type") {
                    out.push(Value::Object(map));
                }
                flatten(graph, out, depth + 1);
            }
            None => out.push(Value::Object(map)),
        },
        _ => {}
    }
}

/// The entity's types without a schema.org prefix (`https://schema.org/NewsArticle` and
/// `schema:NewsArticle` are `NewsArticle`).
pub(crate) fn types(entity: &Value) -> Vec<&str> {
    match entity.get("@type") {
        Some(Value::String(t)) => vec![short_type(t)],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(short_type)
            .collect(),
        _ => Vec::new(),
    }
}

fn short_type(t: &str) -> &str {
    t.rsplit(['/', ':']).next().unwrap_or(t).trim()
}

/// Article, NewsArticle, ReportageNewsArticle, BlogPosting, LiveBlogPosting, Report, ...: any
/// type ending in `Article` or `Posting`, and `Report`.
pub(crate) fn is_article_type(t: &str) -> bool {
    t.ends_with("Article") || t.ends_with("Posting") || t == "Report"
}

/// WebPage, ItemPage, CollectionPage, FAQPage, ...: any type ending in `Page`.
pub(crate) fn is_webpage_type(t: &str) -> bool {
    t.ends_with("Page")
}

/// Organization and its subtypes (any type ending in `Organization`, and Corporation, NGO,
/// Consortium, Project, PerformingGroup, LocalBusiness, OnlineBusiness).
fn is_organization_type(t: &str) -> bool {
    t.ends_with("Organization")
        || matches!(
            t,
            "Corporation"
                | "NGO"
                | "Consortium"
                | "Project"
                | "PerformingGroup"
                | "LocalBusiness"
                | "OnlineBusiness"
        )
}

fn has_type(entity: &Value, test: fn(&str) -> bool) -> bool {
    types(entity).into_iter().any(test)
}

/// Types that describe the site, its publisher, people or page furniture, never a page's
/// content: WebSite, Person, the organizations, BreadcrumbList, the WP* page parts, and the
/// small things they hold (SearchAction, ImageObject logos, ContactPoint, ...).
fn is_furniture_type(t: &str) -> bool {
    is_organization_type(t)
        || matches!(
            t,
            "WebSite"
                | "Person"
                | "BreadcrumbList"
                | "ListItem"
                | "SiteNavigationElement"
                | "WPHeader"
                | "WPFooter"
                | "WPSideBar"
                | "WPAdBlock"
                | "SearchAction"
                | "EntryPoint"
                | "ImageObject"
                | "ContactPoint"
                | "PostalAddress"
                | "Place"
                | "Brand"
                | "Comment"
                | "Rating"
                | "AggregateRating"
                | "Offer"
        )
}

/// Is the entity furniture (every type it has is a furniture type)? An entity without a type is
/// not.
fn is_furniture(entity: &Value) -> bool {
    let types = types(entity);
    !types.is_empty() && types.into_iter().all(is_furniture_type)
}

/// The page's main entity: see the rule in the [`crate::meta`] docs. `targets` are the page URL
/// and the canonical URL, without fragments. When any entity is content (not furniture), only
/// content entities are candidates: a WebSite or an Organization naming the home page is never
/// the main entity of a page that has an article.
pub(crate) fn main_entity<'a>(
    entities: &'a [Value],
    page: &Url,
    targets: &[Url],
) -> Option<&'a Value> {
    let names_page = |v: Option<&Value>| refers_to(v, page, targets);
    let any_content = entities.iter().any(|e| !is_furniture(e));
    let candidates = || {
        entities
            .iter()
            .filter(move |e| !any_content || !is_furniture(e))
    };
    candidates()
        .find(|e| names_page(e.get("mainEntityOfPage")))
        .or_else(|| {
            candidates().find(|e| {
                !has_type(e, is_webpage_type)
                    && (names_page(e.get("url")) || names_page(e.get("@id")))
            })
        })
        .or_else(|| candidates().find(|e| has_type(e, is_article_type)))
        .or_else(|| candidates().find(|e| has_type(e, is_webpage_type)))
        .or_else(|| candidates().next())
}

/// Whether `v` (a URL string, an object with `@id` or `url`, or an array of those) names one of
/// `targets`. Relative references are resolved against `page`; a fragment must match exactly; a
/// trailing `/` is ignored.
fn refers_to(v: Option<&Value>, page: &Url, targets: &[Url]) -> bool {
    match v {
        Some(Value::String(s)) => match page.join(s.trim()) {
            Ok(u) => targets.iter().any(|t| same_url(&u, t)),
            Err(_) => false,
        },
        Some(Value::Object(map)) => {
            refers_to(map.get("@id"), page, targets) || refers_to(map.get("url"), page, targets)
        }
        Some(Value::Array(items)) => items.iter().any(|i| refers_to(Some(i), page, targets)),
        _ => false,
    }
}

fn same_url(a: &Url, b: &Url) -> bool {
    a.as_str().trim_end_matches('/') == b.as_str().trim_end_matches('/')
}

/// A reference `{"@id": ...}` with nothing else to say (no `name`), replaced by the entity of the
/// graph with that `@id`, if there is one.
pub(crate) fn resolve<'a>(v: &'a Value, entities: &'a [Value]) -> &'a Value {
    let Some(map) = v.as_object() else { return v };
    let Some(id) = map.get("@id").and_then(Value::as_str) else {
        return v;
    };
    if map.contains_key("name") {
        return v;
    }
    entities
        .iter()
        .find(|e| {
            !std::ptr::eq(*e, v)
                && e.get("@id").and_then(Value::as_str) == Some(id)
                && e.as_object().is_some_and(|m| m.len() > map.len())
        })
        .unwrap_or(v)
}

/// A text value: a string, a number, `{"@value": ...}`, or the first of an array that gives one;
/// whitespace collapsed, `None` if empty.
pub(crate) fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => non_empty(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Array(items) => items.iter().find_map(|i| text(Some(i))),
        Value::Object(map) => text(map.get("@value")),
        _ => None,
    }
}

/// Every text candidate of `v` in order (a string, or each string of an array), for values where
/// a later one may be usable when an earlier one is not (dates).
pub(crate) fn texts(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(items)) => items.iter().filter_map(|i| text(Some(i))).collect(),
        other => text(other).into_iter().collect(),
    }
}

/// The name of a thing: a string, or an object's `name` (or `givenName familyName`), after
/// resolving an `@id` reference; cleaned by [`clean_name`].
pub(crate) fn name(v: &Value, entities: &[Value]) -> Option<String> {
    let v = resolve(v, entities);
    match v {
        Value::String(s) => clean_name(s),
        Value::Object(map) => text(map.get("name"))
            .and_then(|n| clean_name(&n))
            .or_else(|| {
                let parts = [text(map.get("givenName")), text(map.get("familyName"))];
                let joined = parts.into_iter().flatten().collect::<Vec<_>>().join(" ");
                clean_name(&joined)
            }),
        _ => None,
    }
}

/// The main entity's authors: names of persons (strings, Person objects, objects without a type),
/// or if there are none, names of organizations; in order, not yet deduplicated.
pub(crate) fn authors(entity: &Value, entities: &[Value]) -> Vec<String> {
    let mut persons = Vec::new();
    let mut organizations = Vec::new();
    collect_authors(
        entity.get("author"),
        entities,
        &mut persons,
        &mut organizations,
        0,
    );
    if persons.is_empty() {
        organizations
    } else {
        persons
    }
}

fn collect_authors(
    v: Option<&Value>,
    entities: &[Value],
    persons: &mut Vec<String>,
    organizations: &mut Vec<String>,
    depth: usize,
) {
    let Some(v) = v else { return };
    if depth > MAX_DEPTH {
        return;
    }
    if let Value::Array(items) = v {
        for item in items {
            collect_authors(Some(item), entities, persons, organizations, depth + 1);
        }
        return;
    }
    let Some(found) = name(v, entities) else {
        return;
    };
    let resolved = resolve(v, entities);
    let organization =
        has_type(resolved, is_organization_type) && !types(resolved).contains(&"Person");
    if organization {
        organizations.push(found);
    } else {
        persons.push(found);
    }
}
