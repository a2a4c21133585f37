//! One customer's (or one merchant's) timeline: building blocks for orders, deliveries,
//! tickets, refunds, reviews and the rest, and the random life of an ordinary customer.
//!
//! A [`Timeline`] collects the events of one relationship, drops those after the end of
//! the data (so an effect never survives without its cause), sorts them by time, gives
//! them ids `{merchant}-{n}` and renders them as JSON lines.

use std::collections::VecDeque;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::clock::{DAY, HOUR, MINUTE, local_midnight, write_rfc3339};
use crate::merchants::{Kind, Profile};
use crate::text::{self, Bucket, Lang, Topic};

/// Per-merchant counters behind event, order, ticket, customer and commitment ids.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub event: u64,
    pub order: u64,
    pub ticket: u64,
    pub customer: u64,
    pub commitment: u64,
}

/// An event waiting to be rendered.
#[derive(Debug)]
struct Ev {
    at: i64,
    ty: &'static str,
    /// Pre-rendered `,"key":value` pairs.
    body: String,
    /// For `review_reply`: index of the review in the same timeline.
    reply_to: Option<usize>,
}

/// A JSON object body under construction: a list of `,"key":value` pairs.
#[derive(Debug, Default)]
pub(crate) struct Body(String);

impl Body {
    pub(crate) fn new() -> Self {
        Body(String::with_capacity(96))
    }
    fn key(&mut self, k: &str) {
        self.0.push_str(",\"");
        self.0.push_str(k);
        self.0.push_str("\":");
    }
    pub(crate) fn str(mut self, k: &str, v: &str) -> Self {
        self.key(k);
        push_json_str(&mut self.0, v);
        self
    }
    pub(crate) fn money(mut self, k: &str, v: f64) -> Self {
        use std::fmt::Write;
        self.key(k);
        let _ = write!(self.0, "{v:.2}");
        self
    }
    pub(crate) fn int(mut self, k: &str, v: i64) -> Self {
        use std::fmt::Write;
        self.key(k);
        let _ = write!(self.0, "{v}");
        self
    }
    pub(crate) fn bool(mut self, k: &str, v: bool) -> Self {
        self.key(k);
        self.0.push_str(if v { "true" } else { "false" });
        self
    }
    pub(crate) fn time(mut self, k: &str, t: i64, offset: i32) -> Self {
        self.key(k);
        self.0.push('"');
        write_rfc3339(&mut self.0, t, offset);
        self.0.push('"');
        self
    }
    pub(crate) fn flags(mut self, k: &str, flags: &[(&str, bool)]) -> Self {
        self.key(k);
        self.0.push('{');
        for (i, (name, v)) in flags.iter().enumerate() {
            if i > 0 {
                self.0.push(',');
            }
            push_json_str(&mut self.0, name);
            self.0.push(':');
            self.0.push_str(if *v { "true" } else { "false" });
        }
        self.0.push('}');
        self
    }
}

/// Appends `s` as a JSON string literal.
fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                use std::fmt::Write;
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// What happens to an order.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Fate {
    /// Delivered in good condition before `promised_by`.
    OnTime,
    /// Delivered in good condition this many days after `promised_by`.
    Late(f64),
    /// Never delivered.
    Lost,
    /// Delivered on time with this condition (`damaged`, `wrong_item`, `missing`).
    Defect(&'static str),
}

/// An order as placed, and what became of it.
#[derive(Clone, Debug)]
pub(crate) struct Order {
    pub id: String,
    pub at: i64,
    pub promised: i64,
    pub delivered: Option<i64>,
    pub fate: Fate,
}

impl Order {
    /// When the customer knows how the order went: delivery, or a while after the
    /// promise passed with nothing.
    fn settled(&self) -> i64 {
        self.delivered.unwrap_or(self.promised + DAY)
    }
}

/// How a support ticket went.
#[derive(Clone, Debug)]
pub(crate) struct TicketOut {
    pub id: String,
    pub in_sla: bool,
    pub resolved: bool,
    pub done: i64,
}

/// A referral made in this timeline: the new customer's id and first-contact time.
pub(crate) type Referral = (String, i64);

/// The events of one relationship (or, with no customer, of a merchant itself).
pub(crate) struct Timeline<'a> {
    pub p: &'static Profile,
    pub customer: Option<String>,
    /// Local midnight of the first day of the data for this merchant.
    pub day0: i64,
    pub end: i64,
    pub crisis: i64,
    pub ctr: &'a mut Counters,
    pub rng: ChaCha8Rng,
    /// How the customer feels, 0–1; drives ratings, scores and churn.
    pub mood: f64,
    /// The customer's language: `Some("zh")`, `Some("en")`, `None` = mixed.
    pub lang: Lang,
    pub referrals: Vec<Referral>,
    pub churned: bool,
    /// Condition of the latest faulty delivery, for the texts that talk about it.
    condition: &'static str,
    /// What went wrong with the latest order: `late`, `lost`, a condition, or "".
    issue: &'static str,
    evs: Vec<Ev>,
}

impl<'a> Timeline<'a> {
    pub(crate) fn new(
        p: &'static Profile,
        customer: Option<String>,
        (day0, end, crisis): (i64, i64, i64),
        ctr: &'a mut Counters,
        mut rng: ChaCha8Rng,
    ) -> Self {
        let lang = if rng.random::<f64>() < p.zh {
            Some("zh")
        } else if rng.random::<f64>() < p.mixed {
            None
        } else {
            Some("en")
        };
        let mood = (p.base_mood + rng.random_range(-0.12..0.12)).clamp(0.0, 1.0);
        Timeline {
            p,
            customer,
            day0,
            end,
            crisis,
            ctr,
            rng,
            mood,
            lang,
            referrals: Vec::new(),
            churned: false,
            condition: "damaged",
            issue: "",
            evs: Vec::with_capacity(32),
        }
    }

    /// Whether texts of this customer are Chinese (mixed counts as English here).
    pub(crate) fn zh(&self) -> bool {
        self.lang == Some("zh")
    }

    /// The instant `days` after the first day, at local time `hour` (fractional).
    pub(crate) fn day(&self, days: f64, hour: f64) -> i64 {
        self.day0 + (days * DAY as f64) as i64 + (hour * HOUR as f64) as i64
    }

    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        if hi <= lo {
            lo
        } else {
            self.rng.random_range(lo..hi)
        }
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.random::<f64>() < p
    }

    /// A random duration between `lo` and `hi` hours, in seconds.
    fn hours(&mut self, lo: f64, hi: f64) -> i64 {
        (self.uniform(lo, hi) * HOUR as f64) as i64
    }

    fn bump(&mut self, delta: f64) {
        self.mood = (self.mood + delta).clamp(0.0, 1.0);
    }

    /// Adds an event unless it falls after the end of the data; returns its index.
    pub(crate) fn push(&mut self, at: i64, ty: &'static str, body: Body) -> Option<usize> {
        if at > self.end {
            return None;
        }
        self.evs.push(Ev {
            at,
            ty,
            body: body.0,
            reply_to: None,
        });
        Some(self.evs.len() - 1)
    }

    /// Time of the latest event so far (or `fallback`).
    pub(crate) fn last_at(&self, fallback: i64) -> i64 {
        self.evs.iter().map(|e| e.at).max().unwrap_or(fallback)
    }

    /// Sorts by time, numbers the events and renders them into `out`; returns the
    /// referrals made, for the caller to generate those customers next.
    pub(crate) fn finish(self, out: &mut VecDeque<String>) -> (Vec<Referral>, usize) {
        let Timeline {
            p,
            customer,
            ctr,
            evs,
            referrals,
            ..
        } = self;
        let mut order: Vec<usize> = (0..evs.len()).collect();
        order.sort_by_key(|&i| (evs[i].at, i));
        let mut number = vec![0_u64; evs.len()];
        for (k, &i) in order.iter().enumerate() {
            number[i] = ctr.event + k as u64 + 1;
        }
        ctr.event += evs.len() as u64;
        let mid = p.info.id;
        for &i in &order {
            let e = &evs[i];
            let mut s = String::with_capacity(160 + e.body.len());
            s.push_str("{\"id\":\"");
            push_id(&mut s, mid, number[i]);
            s.push_str("\",\"type\":\"");
            s.push_str(e.ty);
            s.push_str("\",\"at\":\"");
            write_rfc3339(&mut s, e.at, p.offset());
            s.push_str("\",\"merchant\":\"");
            s.push_str(mid);
            s.push('"');
            if let Some(c) = &customer {
                s.push_str(",\"customer\":");
                push_json_str(&mut s, c);
            }
            s.push_str(&e.body);
            if let Some(r) = e.reply_to {
                s.push_str(",\"review\":\"");
                push_id(&mut s, mid, number[r]);
                s.push('"');
            }
            s.push('}');
            out.push_back(s);
        }
        (referrals, evs.len())
    }

    // ----- building blocks -------------------------------------------------------

    /// A random local time of day between 08:00 and 23:00 on the day of `t`, not before `t`.
    pub(crate) fn daytime(&mut self, t: i64) -> i64 {
        let midnight = local_midnight(t, self.p.offset());
        let at = midnight + self.hours(8.0, 23.0);
        at.max(t)
    }

    /// Places an order at `at` whose fate is drawn from the merchant's behaviour.
    pub(crate) fn order(&mut self, at: i64) -> Order {
        let crisis = at >= self.crisis;
        let fate = if self.chance(self.p.never(crisis)) {
            Fate::Lost
        } else if self.chance(self.p.defect) {
            let c = self.rng.random::<f64>();
            Fate::Defect(if c < 0.6 {
                "damaged"
            } else if c < 0.85 {
                "wrong_item"
            } else {
                "missing"
            })
        } else if self.chance(self.p.on_time(crisis)) {
            Fate::OnTime
        } else {
            let max = if crisis { 9.0 } else { 4.0 };
            Fate::Late(self.uniform(0.3, max))
        };
        self.order_with(at, fate)
    }

    /// Places an order at `at` with a given fate, and its delivery.
    pub(crate) fn order_with(&mut self, at: i64, fate: Fate) -> Order {
        self.ctr.order += 1;
        let id = format!("o-{}-{:06}", self.p.short, self.ctr.order);
        let days = self.rng.random_range(2..=5_i64);
        let promised = local_midnight(at, self.p.offset()) + days * DAY + 18 * HOUR;
        let mut body = Body::new().str("order", &id);
        if self.p.kind == Kind::Retail {
            let amount = self.uniform(self.p.amount.0, self.p.amount.1);
            body = body
                .money("amount", amount)
                .str("currency", self.p.currency);
        } else {
            let items = ["debit card", "credit card", "cheque book", "security token"];
            let item = text::pick(&mut self.rng, &items);
            body = body.str("item", item);
        }
        body = body.time("promised_by", promised, self.p.offset());
        self.push(at, "order", body);
        let delivered = match fate {
            Fate::Lost => None,
            Fate::OnTime | Fate::Defect(_) => {
                let lo = (at + 10 * HOUR) as f64;
                let hi = (promised - 30 * MINUTE) as f64;
                Some(self.uniform(lo, hi) as i64)
            }
            Fate::Late(d) => Some(promised + (d * DAY as f64) as i64),
        };
        let delivered = delivered.map(|t| self.courier_hours(t, at, promised, fate));
        self.issue = match fate {
            Fate::OnTime => "",
            Fate::Late(_) => "late",
            Fate::Lost => "lost",
            Fate::Defect(c) => {
                self.condition = c;
                c
            }
        };
        if let Some(t) = delivered {
            let condition = match fate {
                Fate::Defect(c) => c,
                _ => "ok",
            };
            let body = Body::new().str("order", &id).str("condition", condition);
            self.push(t, "delivery", body);
        }
        Order {
            id,
            at,
            promised,
            delivered,
            fate,
        }
    }

    /// Moves a delivery time to the courier's working hours (09:00–19:00 local) on the
    /// same day, keeping it after the order and on the right side of the promise.
    fn courier_hours(&mut self, t: i64, ordered: i64, promised: i64, fate: Fate) -> i64 {
        let mut d = local_midnight(t, self.p.offset()) + self.hours(9.0, 19.0);
        if matches!(fate, Fate::Late(_)) {
            d = d.max(promised + HOUR);
        } else {
            d = d.min(promised - 30 * MINUTE);
            if d < ordered + 2 * HOUR {
                d = (ordered + self.hours(3.0, 8.0)).min(promised - 30 * MINUTE);
            }
        }
        d
    }

    /// Opens a support ticket whose handling is drawn from the merchant's behaviour.
    pub(crate) fn ticket(&mut self, at: i64, topic: Option<Topic>) -> TicketOut {
        let crisis = at >= self.crisis;
        let in_sla = self.chance(self.p.sla_hit(crisis));
        let resolved = self.chance(self.p.resolve * if in_sla { 1.0 } else { 0.75 });
        self.ticket_with(at, topic, in_sla, resolved)
    }

    /// Opens a support ticket with a given first-reply and resolution outcome.
    pub(crate) fn ticket_with(
        &mut self,
        at: i64,
        topic: Option<Topic>,
        in_sla: bool,
        resolved: bool,
    ) -> TicketOut {
        self.ctr.ticket += 1;
        let id = format!("t-{}-{:06}", self.p.short, self.ctr.ticket);
        let sla = self.p.sla_minutes;
        let channel = text::pick(&mut self.rng, self.p.channels);
        let zh = self.zh();
        let bank = self.p.kind == Kind::Bank;
        let opening = text::ticket(&mut self.rng, topic, zh, bank, self.condition);
        let body = Body::new()
            .str("ticket", &id)
            .str("status", "opened")
            .int("sla_minutes", sla)
            .str("channel", channel)
            .str("text", opening);
        self.push(at, "ticket", body);
        let factor = if in_sla {
            self.uniform(0.1, 0.95)
        } else {
            self.uniform(1.2, 8.0)
        };
        let replied = at + (factor * (sla * MINUTE) as f64) as i64;
        self.push(
            replied,
            "ticket",
            Body::new().str("ticket", &id).str("status", "replied"),
        );
        // Sometimes the agent makes a personal promise (a commitment to this customer).
        if self.chance(0.2) {
            let kept = self.chance(self.p.keep_personal);
            self.personal_commitment(replied, kept);
        }
        let mut done = replied + self.hours(1.0, 72.0);
        if resolved {
            if self.chance(0.08) {
                self.push(
                    done,
                    "ticket",
                    Body::new().str("ticket", &id).str("status", "resolved"),
                );
                done += self.hours(6.0, 48.0);
                self.push(
                    done,
                    "ticket",
                    Body::new().str("ticket", &id).str("status", "reopened"),
                );
                done += self.hours(2.0, 48.0);
            }
            self.push(
                done,
                "ticket",
                Body::new().str("ticket", &id).str("status", "resolved"),
            );
        } else {
            done += self.hours(24.0, 24.0 * 10.0);
            self.push(
                done,
                "ticket",
                Body::new()
                    .str("ticket", &id)
                    .str("status", "closed_unresolved"),
            );
        }
        TicketOut {
            id,
            in_sla,
            resolved,
            done,
        }
    }

    /// A commitment made to this customer ("we will call you back within 24 hours")
    /// and its result at the deadline (or earlier when kept).
    pub(crate) fn personal_commitment(&mut self, at: i64, kept: bool) {
        self.ctr.commitment += 1;
        let id = format!("k-{}-{:06}", self.p.short, self.ctr.commitment);
        let due = at + 24 * HOUR;
        let terms = if self.zh() {
            "24 小时内给您回电"
        } else {
            "We will call you back within 24 hours"
        };
        let body = Body::new()
            .str("commitment", &id)
            .str("kind", "response_time")
            .str("terms", terms)
            .time("due", due, self.p.offset());
        self.push(at, "commitment", body);
        let result_at = if kept {
            at + self.hours(1.0, 23.0)
        } else {
            due + self.hours(0.0, 2.0)
        };
        self.push(
            result_at,
            "commitment_result",
            Body::new().str("commitment", &id).bool("kept", kept),
        );
    }

    /// A complaint.
    pub(crate) fn complaint(&mut self, at: i64, topic: Topic, severity: i64) {
        let zh = self.zh();
        let t = text::complaint(&mut self.rng, topic, zh, self.condition);
        let body = Body::new()
            .str("category", topic.category())
            .int("severity", severity)
            .str("text", t);
        self.push(at, "complaint", body);
    }

    /// A refund request and its outcome: `Some(true)` completed in time, `Some(false)`
    /// completed late, `None` rejected. Returns whether it was honoured in time.
    pub(crate) fn refund_with(&mut self, at: i64, order: &Order, outcome: Option<bool>) -> bool {
        let promised = at + 7 * DAY;
        let zh = self.zh();
        let reason = text::refund_reason(
            zh,
            match order.fate {
                Fate::Lost => "lost",
                Fate::Defect(c) => c,
                _ => "damaged",
            },
        );
        let body = Body::new()
            .str("order", &order.id)
            .str("status", "requested")
            .time("promised_by", promised, self.p.offset())
            .str("reason", reason);
        self.push(at, "refund", body);
        let (when, status) = match outcome {
            Some(true) => (at + self.hours(6.0, 24.0 * 6.0), "completed"),
            Some(false) => (promised + self.hours(24.0, 24.0 * 6.0), "completed"),
            None => (at + self.hours(24.0, 24.0 * 4.0), "rejected"),
        };
        self.push(
            when,
            "refund",
            Body::new().str("order", &order.id).str("status", status),
        );
        outcome == Some(true)
    }

    /// A refund whose outcome follows the merchant's behaviour.
    pub(crate) fn refund(&mut self, at: i64, order: &Order) -> bool {
        let u = self.rng.random::<f64>();
        let ok = self.p.refund_ok;
        let outcome = if u < ok {
            Some(true)
        } else if u < ok + (1.0 - ok) / 2.0 {
            Some(false)
        } else {
            None
        };
        let honoured = self.refund_with(at, order, outcome);
        if outcome.is_none() && self.chance(0.4) {
            let t = self.last_at(at) + self.hours(1.0, 24.0);
            self.complaint(t, Topic::Policy, 2);
        }
        honoured
    }

    /// A compensation gesture linked to an order or a ticket.
    pub(crate) fn compensation(
        &mut self,
        at: i64,
        kind: &str,
        amount: Option<f64>,
        link: (&str, &str),
    ) {
        let mut body = Body::new().str("kind", kind);
        if let Some(a) = amount {
            body = body.money("amount", a);
        }
        body = body.str(link.0, link.1);
        self.push(at, "compensation", body);
    }

    /// A review with the bucket's text; the rating is drawn from the bucket's range.
    /// The merchant may answer a review of ≤ 2 stars (`reply`: `Some(true)` within
    /// 48 h, `Some(false)` never, `None` as the merchant usually does).
    pub(crate) fn review_with(
        &mut self,
        at: i64,
        bucket: Bucket,
        order: Option<&str>,
        reply: Option<bool>,
    ) -> Option<usize> {
        let (lo, hi) = bucket.ratings();
        let rating = self.rng.random_range(lo..=hi);
        let lang = match self.lang {
            None if !text::has_mixed(bucket) => Some("en"),
            l => l,
        };
        let items = if lang == Some("zh") {
            self.p.items_zh
        } else {
            self.p.items_en
        };
        let item = text::pick(&mut self.rng, items);
        let bank = self.p.kind == Kind::Bank;
        let t = text::review(&mut self.rng, bucket, lang, item, bank, self.issue);
        self.review_text(at, rating, &t, lang, order, reply)
    }

    /// A review with a given rating and text.
    pub(crate) fn review_text(
        &mut self,
        at: i64,
        rating: i64,
        text: &str,
        lang: Lang,
        order: Option<&str>,
        reply: Option<bool>,
    ) -> Option<usize> {
        let mut body = Body::new().int("rating", rating).str("text", text);
        if let Some(l) = lang {
            body = body.str("lang", l);
        }
        body = body.bool("verified", order.is_some());
        if let Some(o) = order {
            body = body.str("order", o);
        }
        let idx = self.push(at, "review", body)?;
        if rating <= 2 {
            let crisis = at >= self.crisis;
            let fast = match reply {
                Some(r) => r,
                None => self.chance(self.p.reply_bad(crisis)),
            };
            let when = if fast {
                Some(at + self.hours(1.0, 44.0))
            } else if reply.is_none() && self.chance(0.3) {
                Some(at + self.hours(50.0, 200.0))
            } else {
                None
            };
            if let Some(when) = when {
                let zh = lang == Some("zh");
                let t = text::reply(&mut self.rng, zh);
                if let Some(r) = self.push(when, "review_reply", Body::new().str("text", t)) {
                    self.evs[r].reply_to = Some(idx);
                }
            }
        }
        Some(idx)
    }

    /// A survey answer; the score follows the customer's mood unless given.
    pub(crate) fn survey(&mut self, at: i64, metric: &'static str, score: Option<i64>) -> i64 {
        let noise = self.uniform(-1.0, 1.0) + self.uniform(-1.0, 1.0);
        let m = self.mood;
        let score = score.unwrap_or(match metric {
            "nps" => (10.0 * m + 1.0 + 1.3 * noise).round().clamp(0.0, 10.0) as i64,
            "csat" => (1.0 + 4.0 * m + 0.6 * noise).round().clamp(1.0, 5.0) as i64,
            _ => (7.0 - 6.0 * m + 0.8 * noise).round().clamp(1.0, 7.0) as i64,
        });
        let good = match metric {
            "nps" => score as f64 / 10.0,
            "csat" => (score - 1) as f64 / 4.0,
            _ => (7 - score) as f64 / 6.0,
        };
        let zh = self.zh();
        let mut body = Body::new().str("metric", metric).int("score", score);
        if let Some(c) = text::survey_comment(&mut self.rng, zh, good) {
            body = body.str("comment", c);
        }
        self.push(at, "survey", body);
        score
    }

    /// A referral of a new customer `referred`, who first shows up some days later.
    pub(crate) fn referral(&mut self, at: i64, referred: String, arrives: i64) {
        let body = Body::new().str("referred", &referred);
        if self.push(at, "referral", body).is_some() {
            self.referrals.push((referred, arrives.min(self.end)));
        }
    }

    /// An engagement event.
    pub(crate) fn engagement(&mut self, at: i64, action: &str) {
        self.push(at, "engagement", Body::new().str("action", action));
    }

    /// The customer leaves, saying why.
    pub(crate) fn churn(&mut self, at: i64, unhappy: bool) {
        let zh = self.zh();
        let reason = text::churn_reason(&mut self.rng, zh, unhappy);
        if self
            .push(at, "churn", Body::new().str("reason", reason))
            .is_some()
        {
            self.churned = true;
        }
    }

    /// A custom `x-` event (stored by credence, no evidence).
    pub(crate) fn custom(&mut self, at: i64) {
        let u = self.rng.random_range(0..3);
        let (ty, body) = match u {
            0 => {
                let points = self.rng.random_range(10..500_i64);
                ("x-loyalty-points", Body::new().int("points", points))
            }
            1 => {
                let platform = text::pick(&mut self.rng, &["ios", "android", "web"]);
                ("x-app-install", Body::new().str("platform", platform))
            }
            _ => {
                let code = self.rng.random_range(1000..9999_i64);
                (
                    "x-coupon-sent",
                    Body::new().str("coupon", &format!("WELCOME{code}")),
                )
            }
        };
        self.push(at, ty, body);
    }

    // ----- what customers and merchants do after an order ------------------------

    /// The customer's reaction to an order and the merchant's recovery: complaints,
    /// tickets, refunds, compensation, reviews and the replies to them, surveys.
    ///
    /// Recovery rule (the recovery paradox): when a failure is reported and the merchant
    /// replies within the SLA, resolves the ticket and compensates, the customer ends up
    /// happier than before the failure.
    pub(crate) fn after_order(&mut self, o: &Order) {
        let crisis = o.at >= self.crisis;
        let settled = o.settled();
        let (topic, hit, severity, p_ticket, p_complaint) = match o.fate {
            Fate::OnTime => {
                self.bump(0.03);
                if self.chance(0.15) {
                    let at = settled + self.hours(2.0, 72.0);
                    let bucket = self.happy_bucket();
                    self.review_with(at, bucket, Some(&o.id), None);
                }
                if self.chance(0.04) {
                    let at = settled + self.hours(1.0, 100.0);
                    let t = self.ticket(at, None);
                    self.after_ticket(&t);
                }
                if self.chance(0.03) {
                    let at = settled + self.hours(1.0, 48.0);
                    self.custom(at);
                }
                return;
            }
            Fate::Late(d) => (
                Topic::Delivery,
                0.06 + 0.03 * d,
                if d > 3.0 { 2 } else { 1 },
                0.35,
                0.15 + 0.05 * d.min(6.0),
            ),
            Fate::Lost => (Topic::Delivery, 0.3, 3, 0.85, 0.55),
            Fate::Defect(_) => (Topic::Quality, 0.22, 2, 0.7, 0.45),
        };
        let before = self.mood;
        self.bump(-hit);
        let notice = settled + self.hours(0.2, 10.0);
        let ticket = if self.chance(p_ticket) {
            Some(self.ticket(notice, Some(topic)))
        } else {
            None
        };
        let complained = self.chance(p_complaint);
        if complained {
            let at = notice + self.hours(0.0, 3.0);
            self.complaint(at, topic, severity);
            self.bump(-0.03);
        }
        let mut refund_ok = true;
        if matches!(o.fate, Fate::Lost | Fate::Defect(_)) && self.chance(0.6) {
            let at = notice + self.hours(1.0, 24.0);
            refund_ok = self.refund(at, o);
        }
        let reported = ticket.is_some() || complained;
        let compensated = reported && self.chance(self.p.compensate(crisis));
        if compensated {
            let at =
                ticket.as_ref().map_or(notice, |t| t.done.min(notice + DAY)) + self.hours(0.5, 8.0);
            let (kind, amount) = match o.fate {
                Fate::Lost => ("refund", Some(self.uniform(10.0, 100.0).round())),
                Fate::Defect(_) if self.chance(0.5) => ("replacement", None),
                _ if self.chance(0.5) => ("voucher", Some(self.uniform(5.0, 50.0).round())),
                _ => ("apology", None),
            };
            match &ticket {
                Some(t) => self.compensation(at, kind, amount, ("ticket", &t.id)),
                None => self.compensation(at, kind, amount, ("order", &o.id)),
            }
        }
        let recovered =
            compensated && refund_ok && ticket.as_ref().is_none_or(|t| t.in_sla && t.resolved);
        if recovered {
            self.mood = (before + 0.05).max(self.mood + 0.25).min(1.0);
        } else if ticket.as_ref().is_some_and(|t| !t.resolved) {
            self.bump(-0.15);
        }
        if let Some(t) = &ticket {
            self.after_ticket(t);
        }
        if self.chance(0.45) {
            let at = self.last_at(notice) + self.hours(1.0, 72.0);
            let bucket = if recovered {
                Bucket::Recovered
            } else if ticket.as_ref().is_some_and(|t| !t.in_sla && !t.resolved) {
                Bucket::NoAnswer
            } else {
                match o.fate {
                    Fate::Lost => Bucket::Lost,
                    Fate::Defect(_) => Bucket::Defect,
                    _ if self.mood > 0.55 => Bucket::MixedLate,
                    _ => Bucket::Late,
                }
            };
            self.review_with(at, bucket, Some(&o.id), None);
        }
    }

    /// Surveys after a ticket closes.
    fn after_ticket(&mut self, t: &TicketOut) {
        if t.in_sla && t.resolved {
            self.bump(0.04);
        } else if !t.in_sla {
            self.bump(-0.05);
        }
        if self.chance(0.4) {
            let at = t.done + self.hours(0.5, 24.0);
            self.survey(at, "csat", None);
            if self.chance(0.5) {
                self.survey(at + MINUTE, "ces", None);
            }
        }
    }

    /// The review bucket of a customer after a good experience.
    fn happy_bucket(&mut self) -> Bucket {
        let m = self.mood + self.uniform(-0.1, 0.1);
        if m > 0.75 {
            Bucket::Great
        } else if m > 0.55 {
            Bucket::Good
        } else {
            Bucket::Neutral
        }
    }

    /// An NPS survey; promoters sometimes refer a friend (the new customer's id is
    /// allocated from the merchant's counter and generated right after this one).
    pub(crate) fn nps_maybe_refer(&mut self, at: i64, depth: u8) {
        let score = self.survey(at, "nps", None);
        if score >= 9 && depth < 3 && self.chance(0.3) {
            let ref_at = at + self.hours(24.0, 24.0 * 20.0);
            if ref_at <= self.end {
                self.ctr.customer += 1;
                let id = format!("c-{}-{:06}", self.p.short, self.ctr.customer);
                let arrives = ref_at + self.hours(1.0, 24.0 * 10.0);
                self.referral(ref_at, id, arrives);
            }
        }
    }

    /// Whether the customer leaves now; if so, maybe says so with a `churn` event.
    fn maybe_churn(&mut self, at: i64) -> bool {
        let p = 0.008
            + if self.mood < 0.35 {
                0.3
            } else if self.mood < 0.5 {
                0.08
            } else {
                0.0
            };
        if !self.chance(p) {
            return false;
        }
        if self.chance(0.5) {
            let when = at + self.hours(24.0, 24.0 * 30.0);
            let unhappy = self.mood < 0.5;
            self.churn(when, unhappy);
        }
        true
    }

    // ----- ordinary customers ----------------------------------------------------

    /// The random life of an ordinary customer who first shows up at `arrival`.
    pub(crate) fn ordinary(&mut self, arrival: i64, depth: u8) {
        match self.p.kind {
            Kind::Retail => self.ordinary_retail(arrival, depth),
            Kind::Bank => self.ordinary_bank(arrival, depth),
        }
    }

    /// The time of a new customer's first event: a daytime hour on the arrival day,
    /// never after the end of the data (a referred customer must show up).
    fn first_contact(&mut self, arrival: i64) -> i64 {
        let t = self.daytime(arrival);
        if t > self.end { arrival } else { t }
    }

    fn interval(&mut self, mean: f64, min_days: f64) -> i64 {
        let u: f64 = self.rng.random();
        let days = (-mean * (1.0 - u).ln()).max(min_days);
        (days * DAY as f64) as i64
    }

    fn ordinary_retail(&mut self, arrival: i64, depth: u8) {
        let (lo, hi) = self.p.interval_days;
        let mean = self.uniform(lo, hi);
        let one_time = self.chance(0.4);
        let mut t = self.first_contact(arrival);
        if self.chance(0.4) {
            self.engagement(t, "visit");
            t += self.hours(0.1, 1.5);
        }
        let mut orders = 0;
        loop {
            let o = self.order(t);
            self.after_order(&o);
            orders += 1;
            if self.churned {
                break;
            }
            let settled = o.settled();
            if orders >= 2 && self.chance(0.15) {
                let at = settled + self.hours(24.0 * 3.0, 24.0 * 12.0);
                self.nps_maybe_refer(at, depth);
            }
            if orders == 1 && one_time {
                break;
            }
            if self.maybe_churn(self.last_at(t)) {
                break;
            }
            let next = t + self.interval(mean, 3.0);
            // Engagement follows satisfaction: unhappy customers visit less (an early
            // warning signal before they leave).
            if self.chance(0.45 * self.mood) {
                let at = self.uniform(t as f64, next as f64) as i64 + DAY;
                let action = if self.chance(0.7) { "visit" } else { "click" };
                self.engagement(at, action);
            }
            if next > self.end {
                break;
            }
            t = self.daytime(next);
        }
    }

    fn ordinary_bank(&mut self, arrival: i64, depth: u8) {
        let (lo, hi) = self.p.interval_days;
        let mean = self.uniform(lo, hi);
        let mut t = self.first_contact(arrival);
        self.engagement(t, "open");
        loop {
            let next = t + self.interval(mean, 1.0);
            t = self.daytime(next);
            if t > self.end {
                break;
            }
            let u = self.rng.random::<f64>();
            if u < 0.55 {
                // Unhappy customers log in less (an early warning signal).
                if self.mood >= 0.5 || self.chance(0.4) {
                    self.engagement(t, "login");
                }
            } else if u < 0.68 {
                let o = self.order(t);
                self.after_order(&o);
            } else if u < 0.80 {
                let tk = self.ticket(t, None);
                self.after_ticket(&tk);
            } else if u < 0.90 {
                self.nps_maybe_refer(t, depth);
            } else if u < 0.945 {
                let bucket = self.happy_bucket();
                self.review_with(t, bucket, None, None);
            } else if u < 0.955 {
                let topics = [
                    Topic::Price,
                    Topic::Price,
                    Topic::Price,
                    Topic::Service,
                    Topic::Service,
                    Topic::Privacy,
                ];
                let topic = text::pick(&mut self.rng, &topics);
                self.complaint(t, topic, 1);
                self.bump(-0.05);
            } else {
                self.custom(t);
            }
            if self.churned || self.maybe_churn(t) {
                break;
            }
        }
    }
}

/// Appends `{merchant}-{n}`.
fn push_id(out: &mut String, merchant: &str, n: u64) {
    use std::fmt::Write;
    out.push_str(merchant);
    let _ = write!(out, "-{n}");
}
