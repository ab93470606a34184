//! Compares the simulator's response with the recorded one: the same keys at every level, the
//! same JSON types, the same enum values, booleans, counts and money amounts (formatted the same
//! way), GIDs of the same resource type, the same `userErrors` and top-level errors. Ids,
//! timestamps, names and other free text are compared by type only, and `extensions.cost` is
//! reported as information (the simulator computes cost by Shopify's documented formula).

use serde_json::{Map, Value};

/// The differences between a recorded and a simulated response body.
pub fn differences(recorded: &Value, actual: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for key in ["data", "errors"] {
        let r = recorded.get(key).unwrap_or(&Value::Null);
        let a = actual.get(key).unwrap_or(&Value::Null);
        if key == "errors" {
            compare_errors(r, a, &mut out);
        } else {
            compare(r, a, key, &mut out);
        }
    }
    out
}

/// `requestedQueryCost` recorded vs simulated, when both are present and differ.
pub fn cost_note(recorded: &Value, actual: &Value) -> Option<String> {
    let pointer = "/extensions/cost/requestedQueryCost";
    let r = recorded.pointer(pointer)?;
    let a = actual.pointer(pointer)?;
    (r != a).then(|| format!("requestedQueryCost recorded {r}, sim {a}"))
}

/// Whether a difference is a recorded key the recorded document never mentions (the capture
/// abbreviated the document it logged), which no replay can reproduce.
pub fn unselected(difference: &str, document: &str) -> bool {
    let Some(path) = difference.strip_suffix(": missing from the sim's response") else {
        return false;
    };
    let key = leaf(path);
    !document
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .any(|word| word == key)
}

fn compare_errors(recorded: &Value, actual: &Value, out: &mut Vec<String>) {
    let summary = |v: &Value| -> Vec<(Value, Value)> {
        v.as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| {
                        (
                            e.get("message").cloned().unwrap_or(Value::Null),
                            e.pointer("/extensions/code")
                                .cloned()
                                .unwrap_or(Value::Null),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let (r, a) = (summary(recorded), summary(actual));
    if r != a {
        out.push(format!(
            "errors: recorded {} / sim {}",
            Value::from(
                r.iter()
                    .map(|(m, c)| format!("{c}: {m}"))
                    .collect::<Vec<_>>()
            ),
            Value::from(
                a.iter()
                    .map(|(m, c)| format!("{c}: {m}"))
                    .collect::<Vec<_>>()
            )
        ));
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn compare(recorded: &Value, actual: &Value, path: &str, out: &mut Vec<String>) {
    match (recorded, actual) {
        (Value::Object(r), Value::Object(a)) => compare_objects(r, a, path, out),
        (Value::Array(r), Value::Array(a)) => {
            if r.len() != a.len() {
                out.push(format!(
                    "{path}: {} items recorded, {} from the sim",
                    r.len(),
                    a.len()
                ));
            }
            for (i, (r, a)) in r.iter().zip(a).enumerate() {
                compare(r, a, &format!("{path}[{i}]"), out);
            }
        }
        (Value::String(r), Value::String(a)) => compare_strings(r, a, path, out),
        (Value::Bool(_), Value::Bool(_)) | (Value::Number(_), Value::Number(_)) => {
            if recorded != actual {
                out.push(format!("{path}: recorded {recorded}, sim {actual}"));
            }
        }
        _ if kind(recorded) == kind(actual) => {}
        _ => out.push(format!(
            "{path}: recorded {} {}, sim {} {}",
            kind(recorded),
            short(recorded),
            kind(actual),
            short(actual)
        )),
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 80 {
        format!("{}…", &s[..80])
    } else {
        s
    }
}

fn compare_objects(
    r: &Map<String, Value>,
    a: &Map<String, Value>,
    path: &str,
    out: &mut Vec<String>,
) {
    for key in r.keys().filter(|k| !a.contains_key(*k)) {
        out.push(format!("{path}.{key}: missing from the sim's response"));
    }
    for key in a.keys().filter(|k| !r.contains_key(*k)) {
        out.push(format!("{path}.{key}: not in the recorded response"));
    }
    for (key, rv) in r {
        if let Some(av) = a.get(key) {
            compare(rv, av, &format!("{path}.{key}"), out);
        }
    }
}

fn leaf(path: &str) -> &str {
    let last = path.rsplit('.').next().unwrap_or(path);
    last.split('[').next().unwrap_or(last)
}

fn gid_type(s: &str) -> Option<&str> {
    s.strip_prefix("gid://shopify/")?.split('/').next()
}

fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 20 && b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && s.ends_with('Z')
}

fn is_enum(s: &str) -> bool {
    !s.is_empty()
        && s.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

fn is_decimal(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let mut parts = digits.splitn(2, '.');
    let whole = parts.next().unwrap_or_default();
    !whole.is_empty()
        && whole.chars().all(|c| c.is_ascii_digit())
        && parts
            .next()
            .is_some_and(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_digit()))
}

/// Exact text: userErrors and their codes, enums, money.
fn exact_text(path: &str) -> bool {
    let in_user_errors = path.contains("serErrors[");
    let last = leaf(path);
    in_user_errors && matches!(last, "field" | "message" | "code")
}

fn compare_strings(r: &str, a: &str, path: &str, out: &mut Vec<String>) {
    let mismatch = if exact_text(path) || path.contains(".field[") {
        r != a
    } else if let Some(kind) = gid_type(r) {
        gid_type(a) != Some(kind)
    } else if is_timestamp(r) {
        !is_timestamp(a)
    } else if is_enum(r) || is_decimal(r) {
        r != a
    } else {
        false
    };
    if mismatch {
        out.push(format!("{path}: recorded {r:?}, sim {a:?}"));
    }
}
