//! Strict validation: one JSON object in, an [`Event`] or a [`Rejection`] out.
//!
//! Every message names the field and says what was expected and what was found, so the
//! person who produced the file can fix it without reading the specification.

use jiff::Timestamp;
use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::Value;
use serde_json::value::RawValue;

use crate::model::*;

/// Longest id, merchant or customer accepted, in characters.
pub const MAX_ID_CHARS: usize = 128;

/// Why an input was not accepted as an event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Rejection {
    /// The offending field, when one field is to blame.
    pub field: Option<String>,
    /// A sentence a person can act on.
    pub message: String,
}

impl Rejection {
    fn field(field: &str, message: String) -> Self {
        Rejection {
            field: Some(field.to_string()),
            message,
        }
    }

    /// A rejection not tied to one field.
    pub fn whole(message: impl Into<String>) -> Self {
        Rejection {
            field: None,
            message: message.into(),
        }
    }
}

/// An event's fields, each left unparsed until validation asks for it: unknown fields
/// cost nothing beyond the syntax check, and no tree of values is built.
#[derive(serde::Deserialize)]
struct RawObject<'a>(#[serde(borrow)] BTreeMap<Cow<'a, str>, &'a RawValue>);

/// Parses and validates one events v1 line (without its newline).
pub fn parse_event(line: &str) -> Result<Event, Rejection> {
    if !line.trim_start().starts_with('{') {
        let value: Value = serde_json::from_str(line)
            .map_err(|e| Rejection::whole(format!("not valid JSON: {e}")))?;
        return Err(Rejection::whole(format!(
            "an event must be a JSON object, got {}",
            kind_of(&value)
        )));
    }
    let obj: RawObject<'_> =
        serde_json::from_str(line).map_err(|e| Rejection::whole(format!("not valid JSON: {e}")))?;
    validate(&Fields(&obj.0))
}

/// Validates one JSON value as an events v1 event.
pub fn parse_value(value: &Value) -> Result<Event, Rejection> {
    parse_event(&value.to_string())
}

fn validate(o: &Fields<'_>) -> Result<Event, Rejection> {
    let id = o.required_id("id")?;
    let type_value = o.get("type");
    let type_name = match &type_value {
        None => return Err(missing("type", None)),
        Some(Value::String(s)) => s.as_str(),
        Some(v) => {
            return Err(Rejection::field(
                "type",
                format!("field `type` must be a string, got {}", show(v)),
            ));
        }
    };
    let event_type = match EventType::from_wire(type_name) {
        Some(t) => Some(t),
        None if type_name.contains('\0') => {
            return Err(Rejection::field(
                "type",
                "field `type` must not contain the character U+0000".to_string(),
            ));
        }
        None if type_name.starts_with("x-") && type_name.len() > 2 => None,
        None => {
            return Err(Rejection::field(
                "type",
                format!(
                    "field `type`: unknown event type `{}`; expected one of {}, or a custom type starting with `x-`",
                    shorten(type_name),
                    EventType::expected()
                ),
            ));
        }
    };
    let at = o.required_timestamp("at")?;
    let merchant = o.required_id("merchant")?;
    let customer_optional = matches!(
        event_type,
        Some(EventType::Commitment | EventType::CommitmentResult | EventType::SiteSignals)
    );
    let customer = if customer_optional {
        o.optional_id("customer")?
    } else {
        Some(o.id_for("customer", type_name)?)
    };

    let body = match event_type {
        None => EventBody::Custom {
            type_name: type_name.to_string(),
        },
        Some(t) => parse_body(t, o)?,
    };
    Ok(Event {
        id,
        at,
        merchant,
        customer,
        body,
    })
}

fn parse_body(t: EventType, o: &Fields<'_>) -> Result<EventBody, Rejection> {
    let ty = t.as_str();
    Ok(match t {
        EventType::Order => EventBody::Order {
            order: o.id_for("order", ty)?,
            amount: o.optional_amount("amount")?,
            currency: o.optional_currency("currency")?,
            promised_by: o.optional_timestamp("promised_by")?,
        },
        EventType::Delivery => EventBody::Delivery {
            order: o.id_for("order", ty)?,
            condition: o
                .optional_enum("condition")?
                .unwrap_or(DeliveryCondition::Ok),
        },
        EventType::Refund => EventBody::Refund {
            order: o.id_for("order", ty)?,
            status: o.required_enum("status", ty)?,
            promised_by: o.optional_timestamp("promised_by")?,
            reason: o.optional_text("reason")?,
        },
        EventType::Ticket => EventBody::Ticket {
            ticket: o.id_for("ticket", ty)?,
            status: o.required_enum("status", ty)?,
            sla_minutes: o
                .optional_integer("sla_minutes", 1, u32::MAX as i64, "an integer > 0")?
                .map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
            channel: o.optional_text("channel")?,
            text: o.optional_text("text")?,
        },
        EventType::Complaint => EventBody::Complaint {
            category: o
                .optional_enum("category")?
                .unwrap_or(ComplaintCategory::Other),
            severity: o
                .optional_integer("severity", 1, 3, "an integer 1–3")?
                .unwrap_or(1) as u8,
            text: o.optional_text("text")?,
        },
        EventType::Review => EventBody::Review {
            rating: match o.optional_integer("rating", 1, 5, "an integer 1–5")? {
                Some(r) => r as u8,
                None => return Err(missing("rating", Some(ty))),
            },
            text: o.optional_text("text")?,
            lang: o.optional_enum("lang")?,
            verified: o.optional_bool("verified")?,
            order: o.optional_id("order")?,
        },
        EventType::ReviewReply => EventBody::ReviewReply {
            review: o.id_for("review", ty)?,
            text: o.optional_text("text")?,
        },
        EventType::Survey => {
            let metric: SurveyMetric = o.required_enum("metric", ty)?;
            let (lo, hi) = metric.range();
            let what = format!("an integer {lo}–{hi} for metric `{metric}`");
            let score = match o.optional_integer("score", lo as i64, hi as i64, &what)? {
                Some(s) => s as u8,
                None => return Err(missing("score", Some(ty))),
            };
            EventBody::Survey {
                metric,
                score,
                comment: o.optional_text("comment")?,
            }
        }
        EventType::Commitment => EventBody::Commitment {
            commitment: o.id_for("commitment", ty)?,
            kind: o.optional_enum("kind")?.unwrap_or(CommitmentKind::Other),
            terms: match o.optional_text("terms")? {
                Some(t) => t,
                None => return Err(missing("terms", Some(ty))),
            },
            due: o.optional_timestamp("due")?,
        },
        EventType::CommitmentResult => EventBody::CommitmentResult {
            commitment: o.id_for("commitment", ty)?,
            kept: match o.optional_bool("kept")? {
                Some(k) => k,
                None => return Err(missing("kept", Some(ty))),
            },
        },
        EventType::Compensation => EventBody::Compensation {
            kind: o.optional_enum("kind")?,
            amount: o.optional_amount("amount")?,
            order: o.optional_id("order")?,
            ticket: o.optional_id("ticket")?,
        },
        EventType::Referral => EventBody::Referral {
            referred: o.id_for("referred", ty)?,
        },
        EventType::Engagement => EventBody::Engagement {
            action: o.optional_text("action")?,
        },
        EventType::Churn => EventBody::Churn {
            reason: o.optional_text("reason")?,
        },
        EventType::SiteSignals => EventBody::SiteSignals {
            signals: o.signals()?,
        },
    })
}

/// Typed access to an event's fields, producing the messages of events v1.
struct Fields<'a>(&'a BTreeMap<Cow<'a, str>, &'a RawValue>);

/// Reads a closed set of wire names; implemented by every enum of the model.
trait WireName: Sized + Copy {
    fn from_wire_name(s: &str) -> Option<Self>;
    fn expected_names() -> String;
}

macro_rules! wire_name {
    ($($t:ty),*) => {$(
        impl WireName for $t {
            fn from_wire_name(s: &str) -> Option<Self> { <$t>::from_wire(s) }
            fn expected_names() -> String { <$t>::expected() }
        }
    )*};
}
wire_name!(
    DeliveryCondition,
    RefundStatus,
    TicketStatus,
    ComplaintCategory,
    Lang,
    SurveyMetric,
    CommitmentKind,
    CompensationKind
);

impl<'a> Fields<'a> {
    /// The value of a field; an explicit `null` counts as absent.
    fn get(&self, name: &str) -> Option<Value> {
        let raw = self.0.get(name)?.get();
        // Most fields are plain strings: take them as they are, without a parser.
        if let Some(inner) = raw.strip_prefix('"').and_then(|r| r.strip_suffix('"'))
            && !inner.contains('\\')
        {
            return Some(Value::String(inner.to_string()));
        }
        // Already checked as JSON by the outer parse.
        serde_json::from_str::<Value>(raw)
            .ok()
            .filter(|v| !v.is_null())
    }

    fn required_id(&self, name: &str) -> Result<String, Rejection> {
        self.optional_id(name)?.ok_or_else(|| missing(name, None))
    }

    fn id_for(&self, name: &str, ty: &str) -> Result<String, Rejection> {
        self.optional_id(name)?
            .ok_or_else(|| missing(name, Some(ty)))
    }

    fn optional_id(&self, name: &str) -> Result<Option<String>, Rejection> {
        let value = self.get(name);
        match value.as_ref() {
            None => Ok(None),
            Some(Value::String(s)) => {
                let n = s.chars().count();
                if s.contains('\0') {
                    // PostgreSQL text cannot hold U+0000, and no real id needs it: one
                    // rule for every store, decided per line.
                    Err(Rejection::field(
                        name,
                        format!("field `{name}` must not contain the character U+0000"),
                    ))
                } else if n == 0 || n > MAX_ID_CHARS {
                    Err(Rejection::field(
                        name,
                        format!(
                            "field `{name}` must be a string of 1–{MAX_ID_CHARS} characters, got {n} characters"
                        ),
                    ))
                } else {
                    Ok(Some(s.clone()))
                }
            }
            Some(v) => Err(Rejection::field(
                name,
                format!(
                    "field `{name}` must be a string of 1–{MAX_ID_CHARS} characters, got {}",
                    show(v)
                ),
            )),
        }
    }

    fn optional_text(&self, name: &str) -> Result<Option<String>, Rejection> {
        let value = self.get(name);
        match value.as_ref() {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(v) => Err(Rejection::field(
                name,
                format!("field `{name}` must be a string, got {}", show(v)),
            )),
        }
    }

    fn required_timestamp(&self, name: &str) -> Result<Timestamp, Rejection> {
        self.optional_timestamp(name)?
            .ok_or_else(|| missing(name, None))
    }

    fn optional_timestamp(&self, name: &str) -> Result<Option<Timestamp>, Rejection> {
        let value = self.get(name);
        let Some(v) = value.as_ref() else {
            return Ok(None);
        };
        let bad = || {
            Rejection::field(
                name,
                format!(
                    "field `{name}` must be an RFC 3339 timestamp with an offset, e.g. 2026-03-01T10:00:00+08:00, got {}",
                    show(v)
                ),
            )
        };
        let Value::String(s) = v else {
            return Err(bad());
        };
        parse_timestamp(s).map(Some).ok_or_else(bad)
    }

    fn optional_integer(
        &self,
        name: &str,
        lo: i64,
        hi: i64,
        what: &str,
    ) -> Result<Option<i64>, Rejection> {
        let value = self.get(name);
        let Some(v) = value.as_ref() else {
            return Ok(None);
        };
        let n = v.as_i64().or_else(|| {
            // `4.0` is the integer 4: numbers are compared by value.
            v.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        });
        match n {
            Some(n) if (lo..=hi).contains(&n) => Ok(Some(n)),
            _ => Err(Rejection::field(
                name,
                format!("field `{name}` must be {what}, got {}", show(v)),
            )),
        }
    }

    fn optional_amount(&self, name: &str) -> Result<Option<f64>, Rejection> {
        let value = self.get(name);
        let Some(v) = value.as_ref() else {
            return Ok(None);
        };
        match v.as_f64() {
            Some(f) if f >= 0.0 && f.is_finite() => Ok(Some(f)),
            _ => Err(Rejection::field(
                name,
                format!("field `{name}` must be a number ≥ 0, got {}", show(v)),
            )),
        }
    }

    fn optional_currency(&self, name: &str) -> Result<Option<String>, Rejection> {
        let value = self.get(name);
        let Some(v) = value.as_ref() else {
            return Ok(None);
        };
        match v {
            Value::String(s) if s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase()) => {
                Ok(Some(s.clone()))
            }
            _ => Err(Rejection::field(
                name,
                format!(
                    "field `{name}` must be an ISO 4217 code of three capital letters such as CNY or USD, got {}",
                    show(v)
                ),
            )),
        }
    }

    fn optional_bool(&self, name: &str) -> Result<Option<bool>, Rejection> {
        let value = self.get(name);
        match value.as_ref() {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(v) => Err(Rejection::field(
                name,
                format!("field `{name}` must be true or false, got {}", show(v)),
            )),
        }
    }

    fn optional_enum<T: WireName>(&self, name: &str) -> Result<Option<T>, Rejection> {
        let value = self.get(name);
        let Some(v) = value.as_ref() else {
            return Ok(None);
        };
        match v.as_str().and_then(T::from_wire_name) {
            Some(x) => Ok(Some(x)),
            None => Err(Rejection::field(
                name,
                format!(
                    "field `{name}` must be one of {}, got {}",
                    T::expected_names(),
                    show(v)
                ),
            )),
        }
    }

    fn required_enum<T: WireName>(&self, name: &str, ty: &str) -> Result<T, Rejection> {
        self.optional_enum(name)?
            .ok_or_else(|| missing(name, Some(ty)))
    }

    fn signals(&self) -> Result<Vec<(SiteSignal, bool)>, Rejection> {
        let value = self.get("signals");
        let Some(v) = value.as_ref() else {
            return Err(missing("signals", Some("site_signals")));
        };
        let Value::Object(m) = v else {
            return Err(Rejection::field(
                "signals",
                format!(
                    "field `signals` must be an object of booleans such as {{\"https\":true}}, got {}",
                    show(v)
                ),
            ));
        };
        let mut out = Vec::with_capacity(m.len());
        for (k, v) in m {
            let Some(sig) = SiteSignal::from_wire(k) else {
                return Err(Rejection::field(
                    "signals",
                    format!(
                        "field `signals`: unknown signal `{}`; expected {}",
                        shorten(k),
                        SiteSignal::expected()
                    ),
                ));
            };
            let Value::Bool(b) = v else {
                return Err(Rejection::field(
                    "signals",
                    format!(
                        "field `signals`: signal `{k}` must be true or false, got {}",
                        show(v)
                    ),
                ));
            };
            out.push((sig, *b));
        }
        // In the order of the specification, whatever the map's order.
        out.sort_by_key(|(s, _)| *s);
        Ok(out)
    }
}

/// Parses an RFC 3339 timestamp that carries an offset (`Z` or `±hh:mm`).
pub(crate) fn parse_timestamp(s: &str) -> Option<Timestamp> {
    // jiff also accepts a few non-RFC 3339 forms (a space separator, bracketed zones);
    // events v1 asks for RFC 3339, so insist on the `T` separator and no annotation.
    let b = s.as_bytes();
    if b.len() < 20 || !(b[10] == b'T' || b[10] == b't') || s.contains('[') {
        return None;
    }
    s.parse().ok()
}

fn missing(name: &str, ty: Option<&str>) -> Rejection {
    let message = match ty {
        Some(ty) => format!("field `{name}` is required for a `{ty}` event"),
        None => format!("field `{name}` is required"),
    };
    Rejection::field(name, message)
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A value as it appears in the input, shortened for a one-line message.
fn show(v: &Value) -> String {
    match v {
        Value::Array(_) | Value::Object(_) => kind_of(v).to_string(),
        other => shorten(&other.to_string()),
    }
}

fn shorten(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let head: String = s.chars().take(MAX).collect();
        format!("{head}…")
    }
}

#[cfg(test)]
mod tests;
