//! The typed event model. Values here are valid by construction: they come out of
//! [`crate::parse_event`], which checks every rule of events v1.

use jiff::Timestamp;
use serde_json::{Map, Value, json};

/// One event of events v1: the fields every event has, and the body of its type.
///
/// Unknown extra fields of the input are not part of this value; the store keeps the
/// original line, so nothing the sender wrote is lost.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Unique per event within a store (1–128 characters).
    pub id: String,
    /// When it happened (not when it was sent).
    pub at: Timestamp,
    /// The business whose trustworthiness is judged.
    pub merchant: String,
    /// The customer (a pseudonymous id). `None` only for public commitments, their
    /// results and site signals.
    pub customer: Option<String>,
    /// What happened, per type.
    pub body: EventBody,
}

/// The type-specific part of an event.
#[derive(Debug, Clone, PartialEq)]
pub enum EventBody {
    /// A purchase, possibly with a promised delivery time.
    Order {
        /// The order id that deliveries, refunds and reviews refer to.
        order: String,
        /// Amount paid, ≥ 0.
        amount: Option<f64>,
        /// ISO 4217 code, e.g. `CNY`.
        currency: Option<String>,
        /// Promised delivery time: a promise the merchant can keep or break.
        promised_by: Option<Timestamp>,
    },
    /// The order arrived.
    Delivery {
        /// The order delivered.
        order: String,
        /// In what state it arrived.
        condition: DeliveryCondition,
    },
    /// A refund request and its outcome.
    Refund {
        /// The order refunded.
        order: String,
        /// Where the refund stands.
        status: RefundStatus,
        /// Promised refund time, if the merchant gave one.
        promised_by: Option<Timestamp>,
        /// Free text.
        reason: Option<String>,
    },
    /// A support ticket changed state.
    Ticket {
        /// The ticket id, shared by all events of one ticket.
        ticket: String,
        /// The new state.
        status: TicketStatus,
        /// Promised first-response time in minutes (meaningful on `opened`).
        sla_minutes: Option<u32>,
        /// Channel (e-mail, chat, phone…), free text.
        channel: Option<String>,
        /// What the customer or agent wrote.
        text: Option<String>,
    },
    /// A complaint.
    Complaint {
        /// What the complaint is about.
        category: ComplaintCategory,
        /// 1 (minor) to 3 (severe).
        severity: u8,
        /// What the customer wrote.
        text: Option<String>,
    },
    /// A star review.
    Review {
        /// 1–5 stars.
        rating: u8,
        /// What the customer wrote.
        text: Option<String>,
        /// Declared language of `text`.
        lang: Option<Lang>,
        /// Verified purchase.
        verified: Option<bool>,
        /// The order reviewed.
        order: Option<String>,
    },
    /// The merchant answered a review.
    ReviewReply {
        /// The `id` of the review event answered.
        review: String,
        /// The reply.
        text: Option<String>,
    },
    /// A survey answer.
    Survey {
        /// Which survey, with its score (range checked per metric).
        metric: SurveyMetric,
        /// The score.
        score: u8,
        /// Free-text comment.
        comment: Option<String>,
    },
    /// A commitment the merchant made, public (no customer) or to one customer.
    Commitment {
        /// The commitment id that results refer to.
        commitment: String,
        /// What kind of promise it is (`other` when not given).
        kind: CommitmentKind,
        /// The promise, in words.
        terms: String,
        /// When it falls due.
        due: Option<Timestamp>,
    },
    /// Whether a commitment was kept.
    CommitmentResult {
        /// The commitment id.
        commitment: String,
        /// Kept or broken.
        kept: bool,
    },
    /// A recovery gesture after a failure.
    Compensation {
        /// What was given, if said.
        kind: Option<CompensationKind>,
        /// Its value, ≥ 0.
        amount: Option<f64>,
        /// The order it relates to.
        order: Option<String>,
        /// The ticket it relates to.
        ticket: Option<String>,
    },
    /// The customer referred someone.
    Referral {
        /// The new customer's id.
        referred: String,
    },
    /// The customer engaged (visit, login, open, click…).
    Engagement {
        /// What they did, free text.
        action: Option<String>,
    },
    /// The customer left.
    Churn {
        /// Why, if known.
        reason: Option<String>,
    },
    /// The trust signals of the merchant's site.
    SiteSignals {
        /// Signals mentioned, each present (`true`) or absent (`false`).
        signals: Vec<(SiteSignal, bool)>,
    },
    /// A custom `x-` type: stored, yields no evidence.
    Custom {
        /// The type name, starting with `x-`.
        type_name: String,
    },
}

/// Declares a closed set of string values with its wire names, in one place.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in the order of the specification.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name used on the wire.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }

            /// Parses the wire name.
            pub fn from_wire(s: &str) -> Option<Self> {
                match s { $($wire => Some($name::$variant),)+ _ => None }
            }

            /// The wire names joined for error messages: `a`, `b` or `c`.
            pub(crate) fn expected() -> String {
                let names: Vec<String> = Self::ALL.iter().map(|v| format!("`{}`", v.as_str())).collect();
                names.join(", ")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum! {
    /// The event types of events v1 (custom `x-` types aside).
    EventType {
        /// `order`
        Order = "order",
        /// `delivery`
        Delivery = "delivery",
        /// `refund`
        Refund = "refund",
        /// `ticket`
        Ticket = "ticket",
        /// `complaint`
        Complaint = "complaint",
        /// `review`
        Review = "review",
        /// `review_reply`
        ReviewReply = "review_reply",
        /// `survey`
        Survey = "survey",
        /// `commitment`
        Commitment = "commitment",
        /// `commitment_result`
        CommitmentResult = "commitment_result",
        /// `compensation`
        Compensation = "compensation",
        /// `referral`
        Referral = "referral",
        /// `engagement`
        Engagement = "engagement",
        /// `churn`
        Churn = "churn",
        /// `site_signals`
        SiteSignals = "site_signals",
    }
}

wire_enum! {
    /// In what state a delivery arrived.
    DeliveryCondition {
        /// Fine (the default).
        Ok = "ok",
        /// Damaged.
        Damaged = "damaged",
        /// Not what was ordered.
        WrongItem = "wrong_item",
        /// Never arrived in the parcel.
        Missing = "missing",
    }
}

wire_enum! {
    /// Where a refund stands.
    RefundStatus {
        /// Asked for.
        Requested = "requested",
        /// Paid back.
        Completed = "completed",
        /// Refused.
        Rejected = "rejected",
    }
}

wire_enum! {
    /// The state a ticket moved to.
    TicketStatus {
        /// Opened by the customer.
        Opened = "opened",
        /// First (or later) reply by the merchant.
        Replied = "replied",
        /// Solved.
        Resolved = "resolved",
        /// Opened again after being resolved.
        Reopened = "reopened",
        /// Closed without a solution.
        ClosedUnresolved = "closed_unresolved",
    }
}

wire_enum! {
    /// What a complaint is about.
    ComplaintCategory {
        /// The product.
        Quality = "quality",
        /// Delivery.
        Delivery = "delivery",
        /// Price.
        Price = "price",
        /// Service.
        Service = "service",
        /// Policy.
        Policy = "policy",
        /// Privacy.
        Privacy = "privacy",
        /// Anything else (the default).
        Other = "other",
    }
}

wire_enum! {
    /// Declared language of a text.
    Lang {
        /// Chinese.
        Zh = "zh",
        /// English.
        En = "en",
    }
}

wire_enum! {
    /// A survey metric.
    SurveyMetric {
        /// Net Promoter Score, 0–10.
        Nps = "nps",
        /// Customer satisfaction, 1–5.
        Csat = "csat",
        /// Customer effort, 1–7 (lower is easier).
        Ces = "ces",
    }
}

wire_enum! {
    /// What kind of promise a commitment is.
    CommitmentKind {
        /// A delivery promise.
        Delivery = "delivery",
        /// A response-time promise.
        ResponseTime = "response_time",
        /// A price promise.
        Price = "price",
        /// A refund promise.
        Refund = "refund",
        /// A policy promise.
        Policy = "policy",
        /// Anything else (the default when not given).
        Other = "other",
    }
}

wire_enum! {
    /// What a compensation gave.
    CompensationKind {
        /// Money back.
        Refund = "refund",
        /// A voucher.
        Voucher = "voucher",
        /// A replacement.
        Replacement = "replacement",
        /// An apology.
        Apology = "apology",
    }
}

wire_enum! {
    /// The eight site trust signals of events v1.
    SiteSignal {
        /// HTTPS.
        Https = "https",
        /// A privacy policy.
        PrivacyPolicy = "privacy_policy",
        /// A return policy.
        ReturnPolicy = "return_policy",
        /// Contact information.
        ContactInfo = "contact_info",
        /// A third-party certificate.
        ThirdPartyCert = "third_party_cert",
        /// Verified reviews.
        VerifiedReviews = "verified_reviews",
        /// Secure payment.
        SecurePayment = "secure_payment",
        /// Clear pricing.
        ClearPricing = "clear_pricing",
    }
}

impl SurveyMetric {
    /// The inclusive score range of the metric.
    pub fn range(self) -> (u8, u8) {
        match self {
            SurveyMetric::Nps => (0, 10),
            SurveyMetric::Csat => (1, 5),
            SurveyMetric::Ces => (1, 7),
        }
    }
}

/// What an event refers to by id: the thing it belongs to. Used to link events that
/// arrive before the thing they refer to, and to report references still dangling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject<'a> {
    /// An order id.
    Order(&'a str),
    /// A ticket id.
    Ticket(&'a str),
    /// The id of a review event.
    Review(&'a str),
    /// A commitment id.
    Commitment(&'a str),
}

impl Subject<'_> {
    /// `order`, `ticket`, `review` or `commitment`.
    pub fn kind(&self) -> &'static str {
        match self {
            Subject::Order(_) => "order",
            Subject::Ticket(_) => "ticket",
            Subject::Review(_) => "review",
            Subject::Commitment(_) => "commitment",
        }
    }

    /// The referenced id.
    pub fn id(&self) -> &str {
        match self {
            Subject::Order(s)
            | Subject::Ticket(s)
            | Subject::Review(s)
            | Subject::Commitment(s) => s,
        }
    }
}

impl Event {
    /// The wire name of the event's type (`order`, `x-visit`…).
    pub fn event_type(&self) -> &str {
        match &self.body {
            EventBody::Custom { type_name } => type_name,
            body => body.known_type().map(EventType::as_str).unwrap_or(""),
        }
    }

    /// The order, ticket, review or commitment the event belongs to, if any.
    /// An order, ticket or commitment event *defines* its subject; the others refer to it.
    pub fn subject(&self) -> Option<Subject<'_>> {
        match &self.body {
            EventBody::Order { order, .. }
            | EventBody::Delivery { order, .. }
            | EventBody::Refund { order, .. } => Some(Subject::Order(order)),
            EventBody::Review { order, .. } => order.as_deref().map(Subject::Order),
            EventBody::Ticket { ticket, .. } => Some(Subject::Ticket(ticket)),
            EventBody::ReviewReply { review, .. } => Some(Subject::Review(review)),
            EventBody::Commitment { commitment, .. }
            | EventBody::CommitmentResult { commitment, .. } => {
                Some(Subject::Commitment(commitment))
            }
            EventBody::Compensation { order, ticket, .. } => order
                .as_deref()
                .map(Subject::Order)
                .or(ticket.as_deref().map(Subject::Ticket)),
            _ => None,
        }
    }

    /// The event as an events v1 JSON object (without unknown extra fields).
    /// `parse_value(&event.to_json())` gives the event back.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), json!(self.id));
        m.insert("type".into(), json!(self.event_type()));
        m.insert("at".into(), json!(self.at.to_string()));
        m.insert("merchant".into(), json!(self.merchant));
        if let Some(c) = &self.customer {
            m.insert("customer".into(), json!(c));
        }
        let mut put = |k: &str, v: Value| {
            if !v.is_null() {
                m.insert(k.to_string(), v);
            }
        };
        let ts = |t: &Option<Timestamp>| t.map(|t| json!(t.to_string())).unwrap_or(Value::Null);
        match &self.body {
            EventBody::Order {
                order,
                amount,
                currency,
                promised_by,
            } => {
                put("order", json!(order));
                put("amount", json!(amount));
                put("currency", json!(currency));
                put("promised_by", ts(promised_by));
            }
            EventBody::Delivery { order, condition } => {
                put("order", json!(order));
                put("condition", json!(condition.as_str()));
            }
            EventBody::Refund {
                order,
                status,
                promised_by,
                reason,
            } => {
                put("order", json!(order));
                put("status", json!(status.as_str()));
                put("promised_by", ts(promised_by));
                put("reason", json!(reason));
            }
            EventBody::Ticket {
                ticket,
                status,
                sla_minutes,
                channel,
                text,
            } => {
                put("ticket", json!(ticket));
                put("status", json!(status.as_str()));
                put("sla_minutes", json!(sla_minutes));
                put("channel", json!(channel));
                put("text", json!(text));
            }
            EventBody::Complaint {
                category,
                severity,
                text,
            } => {
                put("category", json!(category.as_str()));
                put("severity", json!(severity));
                put("text", json!(text));
            }
            EventBody::Review {
                rating,
                text,
                lang,
                verified,
                order,
            } => {
                put("rating", json!(rating));
                put("text", json!(text));
                put("lang", json!(lang.map(Lang::as_str)));
                put("verified", json!(verified));
                put("order", json!(order));
            }
            EventBody::ReviewReply { review, text } => {
                put("review", json!(review));
                put("text", json!(text));
            }
            EventBody::Survey {
                metric,
                score,
                comment,
            } => {
                put("metric", json!(metric.as_str()));
                put("score", json!(score));
                put("comment", json!(comment));
            }
            EventBody::Commitment {
                commitment,
                kind,
                terms,
                due,
            } => {
                put("commitment", json!(commitment));
                put("kind", json!(kind.as_str()));
                put("terms", json!(terms));
                put("due", ts(due));
            }
            EventBody::CommitmentResult { commitment, kept } => {
                put("commitment", json!(commitment));
                put("kept", json!(kept));
            }
            EventBody::Compensation {
                kind,
                amount,
                order,
                ticket,
            } => {
                put("kind", json!(kind.map(CompensationKind::as_str)));
                put("amount", json!(amount));
                put("order", json!(order));
                put("ticket", json!(ticket));
            }
            EventBody::Referral { referred } => put("referred", json!(referred)),
            EventBody::Engagement { action } => put("action", json!(action)),
            EventBody::Churn { reason } => put("reason", json!(reason)),
            EventBody::SiteSignals { signals } => {
                let s: Map<String, Value> = signals
                    .iter()
                    .map(|(k, v)| (k.as_str().to_string(), json!(v)))
                    .collect();
                put("signals", Value::Object(s));
            }
            EventBody::Custom { .. } => {}
        }
        Value::Object(m)
    }
}

impl EventBody {
    /// The known type of this body; `None` for custom `x-` types.
    pub fn known_type(&self) -> Option<EventType> {
        Some(match self {
            EventBody::Order { .. } => EventType::Order,
            EventBody::Delivery { .. } => EventType::Delivery,
            EventBody::Refund { .. } => EventType::Refund,
            EventBody::Ticket { .. } => EventType::Ticket,
            EventBody::Complaint { .. } => EventType::Complaint,
            EventBody::Review { .. } => EventType::Review,
            EventBody::ReviewReply { .. } => EventType::ReviewReply,
            EventBody::Survey { .. } => EventType::Survey,
            EventBody::Commitment { .. } => EventType::Commitment,
            EventBody::CommitmentResult { .. } => EventType::CommitmentResult,
            EventBody::Compensation { .. } => EventType::Compensation,
            EventBody::Referral { .. } => EventType::Referral,
            EventBody::Engagement { .. } => EventType::Engagement,
            EventBody::Churn { .. } => EventType::Churn,
            EventBody::SiteSignals { .. } => EventType::SiteSignals,
            EventBody::Custom { .. } => return None,
        })
    }
}
