//! Shopify's search syntax for the `query:` argument of `orders`, `products`, `productVariants`
//! and `ordersCount`: `tag:vip name:#1001 updated_at:>'2026-01-01T00:00:00Z' -status:cancelled
//! mug`, terms AND-combined, `AND` tolerated, `-`/`NOT` negate, comparators `:>`, `:>=`, `:<`, `:<=`.

use std::cmp::Ordering;

use chrono::{DateTime, NaiveDate, Utc};

/// How a term compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `key:value`
    Eq,
    /// `key:>value`
    Gt,
    /// `key:>=value`
    Ge,
    /// `key:<value`
    Lt,
    /// `key:<=value`
    Le,
}

/// One search term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// The field (`None`: free text).
    pub key: Option<String>,
    /// Comparator.
    pub op: Op,
    /// Value, unquoted.
    pub value: String,
    /// `-key:value` / `NOT key:value`.
    pub negated: bool,
}

/// Splits a query into terms.
pub fn parse(query: &str) -> Vec<Term> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    for c in query.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => current.push(c),
            (None, '\'' | '"') => quote = Some(c),
            (None, c) if c.is_whitespace() => {
                if !current.is_empty() {
                    tokens.push(std::mem::take(&mut current));
                }
            }
            (None, c) => current.push(c),
        }
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    let mut terms = Vec::new();
    let mut negate_next = false;
    for token in tokens {
        match token.as_str() {
            "AND" => continue,
            "NOT" => {
                negate_next = true;
                continue;
            }
            _ => {}
        }
        let (negated, token) = match token.strip_prefix('-') {
            Some(rest) if !rest.is_empty() => (true, rest.to_owned()),
            _ => (negate_next, token),
        };
        negate_next = false;
        let term = match token.split_once(':') {
            Some((key, rest)) if !key.is_empty() => {
                let (op, value) = if let Some(v) = rest.strip_prefix(">=") {
                    (Op::Ge, v)
                } else if let Some(v) = rest.strip_prefix("<=") {
                    (Op::Le, v)
                } else if let Some(v) = rest.strip_prefix('>') {
                    (Op::Gt, v)
                } else if let Some(v) = rest.strip_prefix('<') {
                    (Op::Lt, v)
                } else {
                    (Op::Eq, rest)
                };
                Term {
                    key: Some(key.to_ascii_lowercase()),
                    op,
                    value: value.trim_matches(|c| c == '\'' || c == '"').to_owned(),
                    negated,
                }
            }
            _ => Term {
                key: None,
                op: Op::Eq,
                value: token,
                negated,
            },
        };
        terms.push(term);
    }
    terms
}

/// Whether a record matches every term; `test` says whether it matches one (ignoring negation).
pub fn matches_all(terms: &[Term], test: impl Fn(&Term) -> bool) -> bool {
    terms.iter().all(|t| test(t) != t.negated)
}

fn parse_time(value: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Some(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
}

fn compare(op: Op, ordering: Ordering) -> bool {
    match op {
        Op::Eq => ordering == Ordering::Equal,
        Op::Gt => ordering == Ordering::Greater,
        Op::Ge => ordering != Ordering::Less,
        Op::Lt => ordering == Ordering::Less,
        Op::Le => ordering != Ordering::Greater,
    }
}

/// A timestamp against a term (`created_at:>2026-01-01`); a bare date with `:` means that day.
pub fn time_matches(term: &Term, at: DateTime<Utc>) -> bool {
    let Some(value) = parse_time(&term.value) else {
        return false;
    };
    if term.op == Op::Eq && !term.value.contains('T') {
        return at >= value && at < value + chrono::Duration::days(1);
    }
    compare(term.op, at.cmp(&value))
}

/// A number against a term (`id:>1000`).
pub fn number_matches(term: &Term, n: u64) -> bool {
    let digits = term.value.rsplit('/').next().unwrap_or_default();
    digits
        .parse::<u64>()
        .is_ok_and(|v| compare(term.op, n.cmp(&v)))
}

/// Text equality, case-insensitive; a trailing `*` matches a prefix.
pub fn text_eq(term: &Term, text: &str) -> bool {
    let text = text.to_lowercase();
    let value = term.value.to_lowercase();
    match value.strip_suffix('*') {
        Some(prefix) => text.starts_with(prefix),
        None => text == value,
    }
}

/// Free text: any of the fields contains the value, case-insensitive.
pub fn text_contains<'a>(term: &Term, fields: impl IntoIterator<Item = &'a str>) -> bool {
    let value = term.value.to_lowercase();
    fields
        .into_iter()
        .any(|f| f.to_lowercase().contains(value.trim_end_matches('*')))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn terms_quotes_comparators_and_negation() {
        let terms = parse("tag:vip AND updated_at:>'2026-01-01T00:00:00Z' -status:cancelled mug");
        assert_eq!(terms.len(), 4);
        assert_eq!(terms[1].op, Op::Gt);
        assert_eq!(terms[1].value, "2026-01-01T00:00:00Z");
        assert!(terms[2].negated);
        assert_eq!(terms[3].key, None);
        let at = parse_time("2026-03-01T10:00:00Z").unwrap();
        assert!(time_matches(&terms[1], at));
        assert!(!time_matches(&parse("created_at:<2026-01-01")[0], at));
        assert!(time_matches(&parse("created_at:2026-03-01")[0], at));
        assert!(number_matches(&parse("id:>=5")[0], 5));
    }
}
