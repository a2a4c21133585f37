//! The canonical form of an event, which decides whether two lines with the same `id`
//! are the same event (a duplicate) or two different ones (a conflict).
//!
//! Per events v1: keys sorted, numbers compared by value (`128` = `128.0`), timestamps
//! compared as instants (`+08:00` and `Z` forms of one instant are equal).

use serde_json::Value;

use crate::parse::parse_timestamp;

/// Fields whose string values are timestamps, compared as instants.
const TIMESTAMP_FIELDS: &[&str] = &["at", "promised_by", "due"];

/// The canonical JSON text of one event line: equal for two lines exactly when they
/// are the same event. Lines that are not JSON have no canonical form (`None`).
pub fn canonical_json(line: &str) -> Option<String> {
    let value: Value = serde_json::from_str(line).ok()?;
    let mut out = String::with_capacity(line.len());
    write_value(&value, &mut out, true);
    Some(out)
}

fn write_value(v: &Value, out: &mut String, top_level: bool) {
    match v {
        Value::Null | Value::Bool(_) | Value::String(_) => {
            out.push_str(&v.to_string());
        }
        Value::Number(n) => write_number(n, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out, false);
            }
            out.push(']');
        }
        Value::Object(map) => {
            // Sorted explicitly: serde_json's map order depends on a cargo feature.
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                match v {
                    Value::String(s) if top_level && TIMESTAMP_FIELDS.contains(&k.as_str()) => {
                        match parse_timestamp(s) {
                            // Nanosecond precision, UTC: one text per instant.
                            Some(ts) => out.push_str(&format!("\"{}\"", ts.as_nanosecond())),
                            None => out.push_str(&v.to_string()),
                        }
                    }
                    _ => write_value(v, out, false),
                }
            }
            out.push('}');
        }
    }
}

fn write_number(n: &serde_json::Number, out: &mut String) {
    if let Some(i) = n.as_i64() {
        out.push_str(&i.to_string());
    } else if let Some(u) = n.as_u64() {
        out.push_str(&u.to_string());
    } else if let Some(f) = n.as_f64() {
        if f.fract() == 0.0 && f.abs() < 9.0e15 {
            out.push_str(&(f as i64).to_string());
        } else {
            out.push_str(&f.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::canonical_json;

    #[test]
    fn key_order_number_form_and_offset_do_not_matter() {
        let a = r#"{"id":"e1","type":"order","amount":128,"at":"2026-03-01T10:00:00+08:00"}"#;
        let b = r#"{"at":"2026-03-01T02:00:00Z","amount":128.0,"type":"order","id":"e1"}"#;
        assert_eq!(canonical_json(a), canonical_json(b));
    }

    #[test]
    fn different_values_differ() {
        let a = r#"{"id":"e1","amount":128}"#;
        let b = r#"{"id":"e1","amount":129}"#;
        assert_ne!(canonical_json(a), canonical_json(b));
        let c = r#"{"id":"e1","at":"2026-03-01T10:00:00+08:00"}"#;
        let d = r#"{"id":"e1","at":"2026-03-01T10:00:00Z"}"#;
        assert_ne!(canonical_json(c), canonical_json(d));
    }

    #[test]
    fn nested_keys_are_sorted_and_text_is_not_a_timestamp_field() {
        let a = r#"{"signals":{"https":true,"contact_info":false},"text":"2026-03-01T10:00:00Z"}"#;
        let b = r#"{"text":"2026-03-01T10:00:00Z","signals":{"contact_info":false,"https":true}}"#;
        assert_eq!(canonical_json(a), canonical_json(b));
        let c = r#"{"text":"2026-03-01T02:00:00Z"}"#;
        let d = r#"{"text":"2026-03-01T10:00:00+08:00"}"#;
        assert_ne!(canonical_json(c), canonical_json(d));
    }

    #[test]
    fn not_json_has_no_canonical_form() {
        assert_eq!(canonical_json("{nope"), None);
    }
}
