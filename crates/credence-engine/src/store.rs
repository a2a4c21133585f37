//! The in-memory representation: per merchant, a compact list of evidence items per
//! relationship plus one record per linked promise (order delivery, ticket SLA, refund,
//! low-review reply window). Nothing here is folded: folding happens at evaluation
//! time, for a given evaluation time (see `eval.rs`).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use credence_events::{
    CompensationKind, ComplaintCategory, DeliveryCondition, Event, EventBody, TicketStatus,
};

use crate::TextSignal;
use crate::intern::Interner;
use crate::promise::{self, Link, Outcome, PromiseKind, PromiseTerms, Role, Side, standing};
use crate::rules::{Dimension, ReasonCode};

/// "None" for `u32` indices.
pub(crate) const NO: u32 = u32::MAX;
/// "Never" for millisecond times.
pub(crate) const NEVER: i64 = i64::MAX;

/// Item code: an event with no immediate evidence (it still marks activity).
pub(crate) const CODE_PLAIN: u8 = 60;
/// Item code: a `churn` event.
pub(crate) const CODE_CHURN: u8 = 61;

/// A small, fast, non-cryptographic hasher (the FxHash mix of rustc, with a final
/// avalanche). Keys are ids the
/// engine owner supplies; HashDoS is not a concern for a library fed by its own store.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

const FX_K: u64 = 0x517c_c1b7_2722_0a95;

impl FxHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(FX_K);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            self.add(u64::from_le_bytes(b));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut b = [0u8; 8];
            b[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(b) ^ ((rest.len() as u64) << 59));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        // The Fx mix leaves entropy in the high bits; hashbrown takes bucket indices
        // from the low bits. A final avalanche (MurmurHash3's fmix64 half) spreads it,
        // otherwise ids like `c-0000123` collide in droves.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^ (h >> 33)
    }
}

pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// One evidence item (or activity marker) of a relationship: 12 bytes.
///
/// `packed` holds `at_ms << 10 | code << 4 | param` as the bits of an `i64`, split in two
/// `u32` so the struct aligns to 4 (12 bytes rather than 16). 54 signed bits of
/// milliseconds cover ±285 000 years, far beyond jiff's range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Item {
    lo: u32,
    hi: u32,
    /// Index of the event in its merchant's event table.
    pub event: u32,
}

impl Item {
    pub(crate) fn new(at_ms: i64, code: u8, param: u8, event: u32) -> Item {
        debug_assert!(code < 64 && param < 16);
        let p = (at_ms << 10) | (i64::from(code) << 4) | i64::from(param & 0xf);
        let u = p as u64;
        Item {
            lo: u as u32,
            hi: (u >> 32) as u32,
            event,
        }
    }
    #[inline]
    fn packed(&self) -> i64 {
        ((u64::from(self.hi) << 32) | u64::from(self.lo)) as i64
    }
    /// Event time, milliseconds since the Unix epoch.
    #[inline]
    pub(crate) fn at(&self) -> i64 {
        self.packed() >> 10
    }
    #[inline]
    pub(crate) fn code(&self) -> u8 {
        ((self.packed() >> 4) & 0x3f) as u8
    }
    #[inline]
    pub(crate) fn param(&self) -> u8 {
        (self.packed() & 0xf) as u8
    }
}

/// A linked promise: the *defining* side (the event that makes the promise: an order
/// with `promised_by`, a ticket `opened` with an SLA, a refund with `promised_by`, a
/// low review) and the *resolving* side (the first delivery, response, completion or
/// rejection, reply). Each side keeps the earliest event by (time, event id), so the
/// record does not depend on arrival order and two records merge by taking the earlier
/// of each side.
#[derive(Debug, Clone)]
pub(crate) struct Promise {
    def_at: T64,
    deadline: T64,
    res_at: T64,
    pub def_event: u32,
    pub res_event: u32,
    /// Low 26 bits: the owning relationship (all ones: none). Top 6 bits: kind (2),
    /// defining parameter (3: a review's rating), resolving parameter (1: a refund
    /// rejected). 36 bytes in all, aligned to 4.
    packed: u32,
}

/// An `i64` stored as two `u32` so that the records around it align to 4, not 8.
#[derive(Debug, Clone, Copy)]
struct T64([u32; 2]);

impl T64 {
    fn new(v: i64) -> T64 {
        let u = v as u64;
        T64([u as u32, (u >> 32) as u32])
    }
    #[inline]
    fn get(self) -> i64 {
        ((u64::from(self.0[1]) << 32) | u64::from(self.0[0])) as i64
    }
}

/// Largest relationship index a promise can name (relationships per merchant < 2^26).
const REL_MASK: u32 = (1 << 26) - 1;

impl Promise {
    fn new(kind: PromiseKind) -> Promise {
        Promise {
            def_at: T64::new(NEVER),
            deadline: T64::new(NEVER),
            res_at: T64::new(NEVER),
            def_event: NO,
            res_event: NO,
            packed: REL_MASK | ((kind as u32) << 26),
        }
    }

    #[inline]
    pub(crate) fn def_at(&self) -> i64 {
        self.def_at.get()
    }
    #[inline]
    pub(crate) fn deadline(&self) -> i64 {
        self.deadline.get()
    }
    #[inline]
    pub(crate) fn res_at(&self) -> i64 {
        self.res_at.get()
    }
    pub(crate) fn kind(&self) -> PromiseKind {
        match (self.packed >> 26) & 3 {
            0 => PromiseKind::Delivery,
            1 => PromiseKind::Ticket,
            2 => PromiseKind::Refund,
            _ => PromiseKind::ReviewReply,
        }
    }
    /// A review's rating (for review-reply promises).
    pub(crate) fn def_param(&self) -> u8 {
        ((self.packed >> 28) & 7) as u8
    }
    /// 1 when a refund was rejected.
    pub(crate) fn res_param(&self) -> u8 {
        (self.packed >> 31) as u8
    }
    fn promises_something(&self) -> bool {
        self.def_event != NO && self.deadline() != NEVER
    }
    fn set_owner(&mut self, rel: u32) {
        debug_assert!(rel == NO || rel < REL_MASK, "too many relationships");
        self.packed = (self.packed & !REL_MASK) | (rel.min(REL_MASK));
    }

    /// The relationship whose evidence the promise is: the defining event's when it
    /// makes a promise (has a deadline), else the resolving event's. Kept up to date by
    /// the offers, so one field serves both and merges stay order-independent.
    pub(crate) fn owner(&self) -> u32 {
        let r = self.packed & REL_MASK;
        if r == REL_MASK { NO } else { r }
    }

    /// The evidence the promise yields at evaluation time `t`: `(code, item time,
    /// event)`, by the one rule of [`crate::promise::standing`].
    pub(crate) fn evidence(&self, t: i64) -> Option<(ReasonCode, i64, u32)> {
        use ReasonCode as R;
        let kind = self.kind();
        let definition = (self.def_event != NO && self.deadline() != NEVER)
            .then(|| (self.def_at(), self.deadline()));
        let resolution = (self.res_event != NO).then(|| (self.res_at(), self.res_param() == 1));
        let (outcome, at, side) = standing(kind, definition, resolution, t)?;
        let code = match (kind, outcome) {
            (PromiseKind::Delivery, Outcome::Kept) => R::DeliveryKept,
            (PromiseKind::Delivery, Outcome::Late) => R::DeliveryLate,
            (PromiseKind::Delivery, _) => R::DeliveryOverdue,
            (PromiseKind::Ticket, Outcome::Kept) => R::TicketResponsive,
            (PromiseKind::Ticket, Outcome::Late) => R::TicketReplyLate,
            (PromiseKind::Ticket, _) => R::TicketReplyOverdue,
            (PromiseKind::ReviewReply, Outcome::Kept) => R::ReviewAnswered,
            (PromiseKind::ReviewReply, Outcome::Late) => R::ReviewReplyLate,
            (PromiseKind::ReviewReply, _) => R::ReviewUnanswered,
            (PromiseKind::Refund, Outcome::Kept) => R::RefundHonoured,
            (PromiseKind::Refund, Outcome::Late) => R::RefundLate,
            (PromiseKind::Refund, Outcome::Overdue) => R::RefundOverdue,
            (PromiseKind::Refund, Outcome::Broken) => R::RefundRejected,
        };
        let event = match side {
            Side::Definition => self.def_event,
            Side::Resolution => self.res_event,
        };
        Some((code, at, event))
    }

    /// The times at which [`Promise::evidence`] can change.
    pub(crate) fn transitions(&self) -> [i64; 3] {
        // A defining event without a deadline (a review above the reply threshold
        // recorded only because a reply arrived first) makes no promise: not a transition.
        let def_at = if self.deadline() == NEVER {
            NEVER
        } else {
            self.def_at()
        };
        [def_at, self.deadline(), self.res_at()]
    }
}

/// One relationship: its items, in arrival order (folding is order-independent).
#[derive(Debug, Clone, Default)]
pub(crate) struct Rel {
    pub items: Vec<Item>,
}

/// What a text item's reason sentence quotes: the kind of text, the aspect (empty for
/// sentiment) and the snippet. Keyed by (event, reason code) in [`Merchant::notes`].
#[derive(Debug, Clone)]
pub(crate) struct Note {
    pub kind: TextKind,
    pub aspect: Box<str>,
    pub snippet: Box<str>,
}

/// Which kind of event a text came from (for the sentence).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextKind {
    Review,
    Complaint,
    Ticket,
    Survey,
    Other,
}

/// A site-signals observation: (time, event, a0).
pub(crate) type Signal = (i64, u32, f64);

/// Everything the engine knows about one merchant.
#[derive(Debug, Clone)]
pub(crate) struct Merchant {
    /// Customer id → index in `rels`.
    pub customers: Interner,
    pub rels: Vec<Rel>,
    /// Evidence with no customer (public commitment results).
    pub items: Vec<Item>,
    pub signals: Vec<Signal>,
    pub promises: Vec<Promise>,
    /// Per promise kind: subject id → index in `promises`.
    pub subjects: [Interner; 4],
    /// Ticket (promise index) of `resolved`, `reopened` and `closed_unresolved` events,
    /// whose own evidence is immediate, and, in a relationship read back from the live
    /// state, the promise an event takes part in when another relationship owns it:
    /// only for the subject id in reason sentences.
    pub ticket_of: FxMap<u32, u32>,
    /// What text items quote, by (event, reason code).
    pub notes: FxMap<(u32, u8), Note>,
    /// Event ids, concatenated; `id_ends[e]` is where event `e`'s id ends.
    pub ids: String,
    pub id_ends: Vec<u32>,
    /// Latest event time seen (exact).
    pub latest: Option<jiff::Timestamp>,
    /// One-entry cache of `customers` (not state: rebuilt on the fly).
    last_customer: String,
    last_rel: u32,
}

impl Default for Merchant {
    fn default() -> Self {
        Merchant {
            customers: Interner::identity(),
            rels: Vec::new(),
            items: Vec::new(),
            signals: Vec::new(),
            promises: Vec::new(),
            subjects: Default::default(),
            ticket_of: FxMap::default(),
            notes: FxMap::default(),
            ids: String::new(),
            id_ends: Vec::new(),
            latest: None,
            last_customer: String::new(),
            last_rel: NO,
        }
    }
}

fn kind_index(k: PromiseKind) -> usize {
    k as usize
}

/// Is (at_a, id_a) strictly earlier than (at_b, id_b)? ([`promise::precedes`].)
fn earlier(at_a: i64, id_a: &str, at_b: i64, id_b: &str) -> bool {
    promise::precedes((at_a, id_a), (at_b, id_b))
}

impl Merchant {
    pub(crate) fn event_id(&self, e: u32) -> &str {
        let e = e as usize;
        let start = if e == 0 {
            0
        } else {
            self.id_ends[e - 1] as usize
        };
        &self.ids[start..self.id_ends[e] as usize]
    }

    fn push_event(&mut self, id: &str) -> u32 {
        let e = self.id_ends.len() as u32;
        self.ids.push_str(id);
        self.id_ends.push(self.ids.len() as u32);
        e
    }

    fn rel(&mut self, customer: &str) -> u32 {
        // Files list a customer's events together more often than not: a one-entry
        // cache saves the hash-table probe (and its cache misses) for those.
        if self.last_rel != NO && self.last_customer == customer {
            return self.last_rel;
        }
        let rels = &mut self.rels;
        let r = self.customers.get_or_insert_with(customer, || {
            rels.push(Rel::default());
            rels.len() as u32 - 1
        });
        self.last_customer.clear();
        self.last_customer.push_str(customer);
        self.last_rel = r;
        r
    }

    fn promise(&mut self, kind: PromiseKind, key: &str) -> u32 {
        let promises = &mut self.promises;
        self.subjects[kind_index(kind)].get_or_insert_with(key, || {
            promises.push(Promise::new(kind));
            promises.len() as u32 - 1
        })
    }

    /// Offers a defining side to promise `p`; keeps the earliest by (time, id).
    fn offer_def(&mut self, p: u32, at: i64, deadline: i64, event: u32, rel: u32, param: u8) {
        let cur = &self.promises[p as usize];
        let better = cur.def_event == NO
            || earlier(
                at,
                self.event_id(event),
                cur.def_at(),
                self.event_id(cur.def_event),
            );
        if better {
            let cur = &mut self.promises[p as usize];
            cur.def_at = T64::new(at);
            cur.deadline = T64::new(deadline);
            cur.def_event = event;
            cur.packed = (cur.packed & !(7 << 28)) | (u32::from(param.min(7)) << 28);
            if deadline != NEVER {
                cur.set_owner(rel);
            }
        }
    }

    /// Offers a resolving side to promise `p`; keeps the earliest by (time, id).
    fn offer_res(&mut self, p: u32, at: i64, event: u32, rel: u32, param: u8) {
        let cur = &self.promises[p as usize];
        let better = cur.res_event == NO
            || earlier(
                at,
                self.event_id(event),
                cur.res_at(),
                self.event_id(cur.res_event),
            );
        if better {
            let cur = &mut self.promises[p as usize];
            cur.res_at = T64::new(at);
            cur.res_event = event;
            cur.packed = (cur.packed & !(1 << 31)) | (u32::from(param & 1) << 31);
            if !cur.promises_something() {
                cur.set_owner(rel);
            }
        }
    }

    /// Adds one event of this merchant.
    pub(crate) fn add(&mut self, ev: &Event, text: Option<&TextSignal>, rules: &RulesDerived) {
        use ReasonCode as R;
        if self.latest.is_none_or(|l| ev.at > l) {
            self.latest = Some(ev.at);
        }
        if matches!(ev.body, EventBody::Custom { .. }) {
            // `x-` types are stored elsewhere and yield nothing here (not even activity).
            return;
        }
        let at = ev.at.as_millisecond();
        let e = self.push_event(&ev.id);
        if let EventBody::SiteSignals { signals } = &ev.body {
            // The merchant's site, whoever reported it (a customer id, if any, is
            // ignored: it is not the customer's activity).
            let present = signals.iter().filter(|(_, v)| *v).count() as f64;
            let absent = signals.len() as f64 - present;
            let a0 =
                rules.base_rate_neutral + rules.base_rate_signal_span * (present - absent) / 8.0;
            self.signals.push((at, e, a0));
            return;
        }
        let Some(customer) = ev.customer.as_deref() else {
            if let EventBody::CommitmentResult { kept, .. } = &ev.body {
                let code = if *kept {
                    R::CommitmentKept
                } else {
                    R::CommitmentBroken
                };
                self.items.push(Item::new(at, code as u8, 0, e));
            }
            return;
        };
        let rel = self.rel(customer);
        for Link {
            kind,
            subject,
            role,
        } in promise::links(ev, &rules.terms)
        {
            let param = match &ev.body {
                EventBody::Review { rating, .. } => *rating,
                _ => 0,
            };
            match role {
                Role::Defines {
                    deadline: Some(deadline),
                } => {
                    let p = self.promise(kind, subject);
                    self.offer_def(p, at, deadline.as_millisecond(), e, rel, param);
                }
                Role::Defines { deadline: None } => {
                    // A subject that promises nothing needs a record only if a reply
                    // arrived first: it records that the reply answers no promise.
                    if let Some(p) = self.subjects[kind_index(kind)].get(subject) {
                        self.offer_def(p, at, NEVER, e, rel, param);
                    }
                }
                Role::Resolves { broken } => {
                    let p = self.promise(kind, subject);
                    self.offer_res(p, at, e, rel, u8::from(broken));
                }
            }
        }
        let (code, param): (u8, u8) = match &ev.body {
            EventBody::Order { .. } | EventBody::Refund { .. } | EventBody::ReviewReply { .. } => {
                (CODE_PLAIN, 0)
            }
            EventBody::Delivery { condition, .. } => match condition {
                DeliveryCondition::Ok => (R::ProductOk as u8, 0),
                DeliveryCondition::Damaged => (R::ProductDefect as u8, 1),
                DeliveryCondition::WrongItem => (R::ProductDefect as u8, 2),
                DeliveryCondition::Missing => (R::ProductDefect as u8, 3),
            },
            EventBody::Ticket { ticket, status, .. } => {
                let (code, param) = match status {
                    TicketStatus::Opened | TicketStatus::Replied => (CODE_PLAIN, 0),
                    TicketStatus::Resolved => (R::TicketSolved as u8, 0),
                    TicketStatus::Reopened => (R::TicketUnsolved as u8, 0),
                    TicketStatus::ClosedUnresolved => (R::TicketUnsolved as u8, 1),
                };
                if code != CODE_PLAIN {
                    // Their evidence is immediate; remember the ticket for the sentence.
                    let p = self.promise(PromiseKind::Ticket, ticket);
                    self.ticket_of.insert(e, p);
                }
                (code, param)
            }
            EventBody::Complaint {
                category, severity, ..
            } => {
                let code = match category {
                    ComplaintCategory::Quality => R::ComplaintQuality,
                    ComplaintCategory::Delivery => R::ComplaintDelivery,
                    ComplaintCategory::Price => R::ComplaintPrice,
                    ComplaintCategory::Service => R::ComplaintService,
                    ComplaintCategory::Policy => R::ComplaintPolicy,
                    ComplaintCategory::Privacy => R::ComplaintPrivacy,
                    ComplaintCategory::Other => R::ComplaintOther,
                };
                (code as u8, (*severity).min(15))
            }
            EventBody::Review { rating, .. } => (R::Review as u8, (*rating).min(15)),
            EventBody::Survey { metric, score, .. } => {
                let code = match metric {
                    credence_events::SurveyMetric::Nps => R::SurveyNps,
                    credence_events::SurveyMetric::Csat => R::SurveyCsat,
                    credence_events::SurveyMetric::Ces => R::SurveyCes,
                };
                (code as u8, (*score).min(15))
            }
            EventBody::CommitmentResult { kept, .. } => {
                let code = if *kept {
                    R::CommitmentKept
                } else {
                    R::CommitmentBroken
                };
                (code as u8, 0)
            }
            EventBody::Compensation { kind, .. } => {
                let param = match kind {
                    None => 0,
                    Some(CompensationKind::Refund) => 1,
                    Some(CompensationKind::Voucher) => 2,
                    Some(CompensationKind::Replacement) => 3,
                    Some(CompensationKind::Apology) => 4,
                };
                (R::Compensation as u8, param)
            }
            EventBody::Referral { .. } => (R::Referral as u8, 0),
            EventBody::Churn { .. } => (CODE_CHURN, 0),
            EventBody::Commitment { .. }
            | EventBody::Engagement { .. }
            | EventBody::SiteSignals { .. }
            | EventBody::Custom { .. } => (CODE_PLAIN, 0),
        };
        self.rels[rel as usize]
            .items
            .push(Item::new(at, code, param, e));
        if let Some(t) = text {
            let structured = if code < CODE_PLAIN {
                rules.dims[code as usize]
            } else {
                u8::MAX
            };
            self.add_text(ev, rel, at, e, structured, t, rules);
        }
    }

    /// The text items of event `e` (see `Engine::add_with_text`).
    #[allow(clippy::too_many_arguments)]
    fn add_text(
        &mut self,
        ev: &Event,
        rel: u32,
        at: i64,
        e: u32,
        structured: u8,
        t: &TextSignal,
        rules: &RulesDerived,
    ) {
        use ReasonCode as R;
        let (kind, rated) = match &ev.body {
            EventBody::Review { .. } => (TextKind::Review, true),
            EventBody::Survey { .. } => (TextKind::Survey, true),
            EventBody::Complaint { .. } => (TextKind::Complaint, false),
            EventBody::Ticket { .. } => (TextKind::Ticket, false),
            _ => (TextKind::Other, false),
        };
        // Dimensions already spoken for on this event.
        let mut taken = [false; 4];
        if structured != u8::MAX {
            taken[structured as usize] = true;
        }
        let items = &mut self.rels[rel as usize].items;
        if !rated && t.sentiment.is_finite() {
            let code = R::TextSentiment as u8;
            let d = rules.dims[code as usize] as usize;
            if !taken[d] {
                taken[d] = true;
                let q = (t.sentiment.clamp(0.0, 1.0) * 15.0).round() as u8;
                items.push(Item::new(at, code, q, e));
                self.notes.insert(
                    (e, code),
                    Note {
                        kind,
                        aspect: "".into(),
                        snippet: t.excerpt.as_str().into(),
                    },
                );
            }
        }
        for dim in Dimension::ALL {
            let code = match dim {
                Dimension::Ability => R::TextAbility,
                Dimension::Integrity => R::TextIntegrity,
                Dimension::Benevolence => R::TextBenevolence,
                Dimension::Affect => R::TextAffect,
            } as u8;
            let d = rules.dims[code as usize] as usize;
            if taken[d] {
                continue;
            }
            // Majority polarity of the mentions on this dimension; a tie goes to the
            // last mention (the "but" clause usually carries the verdict).
            let (mut pos, mut neg) = (0usize, 0usize);
            let mut last: Option<&crate::TextAspect> = None;
            for a in t.aspects.iter().filter(|a| a.dimension == dim) {
                if a.positive {
                    pos += 1;
                } else {
                    neg += 1;
                }
                last = Some(a);
            }
            let Some(last) = last else { continue };
            let positive = if pos == neg { last.positive } else { pos > neg };
            let Some(quote) = t
                .aspects
                .iter()
                .rev()
                .find(|a| a.dimension == dim && a.positive == positive)
            else {
                continue;
            };
            taken[d] = true;
            items.push(Item::new(at, code, u8::from(positive), e));
            self.notes.insert(
                (e, code),
                Note {
                    kind,
                    aspect: quote.aspect.as_str().into(),
                    snippet: quote.snippet.as_str().into(),
                },
            );
        }
    }

    /// Releases spare capacity (after a bulk load).
    pub(crate) fn shrink_to_fit(&mut self) {
        for r in &mut self.rels {
            r.items.shrink_to_fit();
        }
        self.rels.shrink_to_fit();
        self.customers.shrink_to_fit();
        self.items.shrink_to_fit();
        self.signals.shrink_to_fit();
        self.promises.shrink_to_fit();
        self.ticket_of.shrink_to_fit();
        self.notes.shrink_to_fit();
        for m in &mut self.subjects {
            m.shrink_to_fit();
        }
        self.ids.shrink_to_fit();
        self.id_ends.shrink_to_fit();
    }

    /// Merges `other` (the same merchant, a disjoint set of events) into `self`.
    pub(crate) fn merge(&mut self, other: Merchant) {
        // (The promise index mapping is only needed while combining records.)
        let off = self.id_ends.len() as u32;
        let shift = |e: u32| if e == NO { NO } else { e + off };
        // Events.
        let base = self.ids.len() as u32;
        self.ids.push_str(&other.ids);
        self.id_ends
            .extend(other.id_ends.iter().map(|&end| end + base));
        // Promises: combine by subject key, remember the index mapping.
        let mut rmap = vec![NO; other.rels.len()];
        let mut pmap = vec![NO; other.promises.len()];
        for (customer, r) in other.customers.iter() {
            rmap[r as usize] = self.rel(customer);
        }
        let rel_of = |r: u32| if r == NO { NO } else { rmap[r as usize] };
        for (k, map) in other.subjects.iter().enumerate() {
            for (key, p) in map.iter() {
                let op = &other.promises[p as usize];
                let kind = op.kind();
                debug_assert_eq!(kind_index(kind), k);
                let sp = self.promise(kind, key);
                pmap[p as usize] = sp;
                // `op.owner()` is the defining event's relationship when `op` makes a
                // promise (then the merged record does too, and the resolving side's
                // relationship no longer matters), else the resolving event's.
                let owner = rel_of(op.owner());
                if op.def_event != NO {
                    self.offer_def(
                        sp,
                        op.def_at(),
                        op.deadline(),
                        op.def_event + off,
                        owner,
                        op.def_param(),
                    );
                }
                if op.res_event != NO {
                    self.offer_res(sp, op.res_at(), op.res_event + off, owner, op.res_param());
                }
            }
        }
        self.ticket_of.extend(
            other
                .ticket_of
                .iter()
                .map(|(&e, &p)| (e + off, pmap[p as usize])),
        );
        self.notes.extend(
            other
                .notes
                .into_iter()
                .map(|((e, code), n)| ((e + off, code), n)),
        );
        for (r, rel) in other.rels.into_iter().enumerate() {
            let target = &mut self.rels[rmap[r] as usize].items;
            target.extend(
                rel.items
                    .iter()
                    .map(|it| Item::new(it.at(), it.code(), it.param(), shift(it.event))),
            );
        }
        self.items.extend(
            other
                .items
                .iter()
                .map(|it| Item::new(it.at(), it.code(), it.param(), shift(it.event))),
        );
        self.signals
            .extend(other.signals.iter().map(|&(at, e, a0)| (at, shift(e), a0)));
        self.latest = match (self.latest, other.latest) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
}

/// Values derived from [`crate::Rules`] once, for the hot path.
#[derive(Debug, Clone)]
pub(crate) struct RulesDerived {
    /// Dimension index of each reason code's row (`u8::MAX` past the table).
    pub dims: [u8; 64],
    pub base_rate_neutral: f64,
    pub base_rate_signal_span: f64,
    /// How promises are read (the reply threshold and window).
    pub terms: PromiseTerms,
}

/// One relationship as the live state stores it: its evidence items, the promises it
/// owns, what its text items quote and the ids of the events all of these refer to
/// (indexes below are into `ids`). The engine makes it from its state and reads it back
/// into a fresh one to evaluate the relationship.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RelEvidence {
    /// The customer.
    pub customer: String,
    /// Event ids referred to by the fields below.
    pub ids: Vec<String>,
    /// Evidence items and activity markers: (time ms, code, parameter, event).
    pub items: Vec<(i64, u8, u8, u32)>,
    /// Owned promises.
    pub promises: Vec<PromiseRecord>,
    /// Text quotes: (event, code, text kind, aspect, snippet).
    pub notes: Vec<(u32, u8, u8, String, String)>,
    /// What its events are about where no promise it owns says so, for the reason
    /// sentences: ticket events with immediate evidence, and events taking part in a
    /// promise another relationship owns (a delivery of someone else's order) —
    /// (event, promise kind, subject id).
    pub subjects: Vec<(u32, u8, String)>,
}

/// A promise record of a [`RelEvidence`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PromiseRecord {
    /// Kind (`PromiseKind as u8`).
    pub kind: u8,
    /// The order, ticket or review id.
    pub subject: String,
    /// Defining side: (time, deadline or `i64::MAX`, event, parameter).
    pub def: Option<(i64, i64, u32, u8)>,
    /// Resolving side: (time, event, parameter).
    pub res: Option<(i64, u32, u8)>,
}

fn kind_of(k: u8) -> PromiseKind {
    PromiseKind::ALL[(k & 3) as usize]
}

fn text_kind_code(k: TextKind) -> u8 {
    match k {
        TextKind::Review => 0,
        TextKind::Complaint => 1,
        TextKind::Ticket => 2,
        TextKind::Survey => 3,
        TextKind::Other => 4,
    }
}

fn text_kind(c: u8) -> TextKind {
    match c {
        0 => TextKind::Review,
        1 => TextKind::Complaint,
        2 => TextKind::Ticket,
        3 => TextKind::Survey,
        _ => TextKind::Other,
    }
}

/// Lookups [`Merchant::export_rel`] needs, built once for many exports.
pub(crate) struct ExportIndex {
    /// Promises per owning relationship.
    owned: FxMap<u32, Vec<u32>>,
    /// Subject id of every promise.
    keys: Vec<Box<str>>,
    /// Note codes per event.
    notes: FxMap<u32, Vec<u8>>,
    /// The promise each event defines or resolves.
    by_event: FxMap<u32, u32>,
}

impl ExportIndex {
    /// The kind and subject id of promise `p`.
    pub(crate) fn subject<'a>(&'a self, m: &Merchant, p: u32) -> (PromiseKind, &'a str) {
        (m.promises[p as usize].kind(), &self.keys[p as usize])
    }
}

impl Merchant {
    /// Appends an event id to the event table.
    pub(crate) fn push_event_id(&mut self, id: &str) -> u32 {
        self.push_event(id)
    }

    /// Index of a customer's relationship, if present.
    pub(crate) fn rel_index(&self, customer: &str) -> Option<u32> {
        self.customers.get(customer)
    }

    /// The lookups for exporting relationships.
    pub(crate) fn export_index(&self) -> ExportIndex {
        let mut owned: FxMap<u32, Vec<u32>> = FxMap::default();
        for (i, p) in self.promises.iter().enumerate() {
            if p.owner() != NO {
                owned.entry(p.owner()).or_default().push(i as u32);
            }
        }
        let mut keys: Vec<Box<str>> = vec![Box::from(""); self.promises.len()];
        for map in &self.subjects {
            for (k, p) in map.iter() {
                keys[p as usize] = k.into();
            }
        }
        let mut notes: FxMap<u32, Vec<u8>> = FxMap::default();
        for &(e, code) in self.notes.keys() {
            notes.entry(e).or_default().push(code);
        }
        for v in notes.values_mut() {
            v.sort_unstable();
        }
        let mut by_event: FxMap<u32, u32> = FxMap::default();
        for (i, p) in self.promises.iter().enumerate() {
            for e in [p.def_event, p.res_event] {
                if e != NO {
                    by_event.entry(e).or_insert(i as u32);
                }
            }
        }
        ExportIndex {
            owned,
            keys,
            notes,
            by_event,
        }
    }

    /// The relationship `rel` as a self-contained record.
    pub(crate) fn export_rel(&self, rel: u32, index: &ExportIndex) -> RelEvidence {
        let mut local: FxMap<u32, u32> = FxMap::default();
        let mut ids: Vec<String> = Vec::new();
        let mut id = |e: u32| -> u32 {
            *local.entry(e).or_insert_with(|| {
                ids.push(self.event_id(e).to_string());
                ids.len() as u32 - 1
            })
        };
        let items: Vec<(i64, u8, u8, u32)> = self.rels[rel as usize]
            .items
            .iter()
            .map(|it| (it.at(), it.code(), it.param(), id(it.event)))
            .collect();
        let mut promises = Vec::new();
        for &p in index.owned.get(&rel).map_or(&[][..], |v| v.as_slice()) {
            let pr = &self.promises[p as usize];
            promises.push(PromiseRecord {
                kind: pr.kind() as u8,
                subject: index.keys[p as usize].to_string(),
                def: (pr.def_event != NO)
                    .then(|| (pr.def_at(), pr.deadline(), id(pr.def_event), pr.def_param())),
                res: (pr.res_event != NO).then(|| (pr.res_at(), id(pr.res_event), pr.res_param())),
            });
        }
        promises.sort_unstable_by(|a, b| (a.kind, &a.subject).cmp(&(b.kind, &b.subject)));
        let mut own: Vec<u32> = self.rels[rel as usize]
            .items
            .iter()
            .map(|it| it.event)
            .collect();
        own.sort_unstable();
        own.dedup();
        let mut notes: Vec<(u32, u8, u8, String, String)> = Vec::new();
        let mut subjects: Vec<(u32, u8, String)> = Vec::new();
        for e in own {
            for &code in index.notes.get(&e).map_or(&[][..], |v| v.as_slice()) {
                if let Some(n) = self.notes.get(&(e, code)) {
                    notes.push((
                        id(e),
                        code,
                        text_kind_code(n.kind),
                        n.aspect.to_string(),
                        n.snippet.to_string(),
                    ));
                }
            }
            let elsewhere = index
                .by_event
                .get(&e)
                .copied()
                .filter(|&p| self.promises[p as usize].owner() != rel);
            if let Some(p) = self.ticket_of.get(&e).copied().or(elsewhere) {
                let kind = self.promises[p as usize].kind() as u8;
                subjects.push((id(e), kind, index.keys[p as usize].to_string()));
            }
        }
        RelEvidence {
            customer: self.customers.key_of(rel as usize).to_string(),
            ids,
            items,
            promises,
            notes,
            subjects,
        }
    }

    /// Adds a relationship exported by [`Merchant::export_rel`] (its promises merge with
    /// any record of the same subject already here, as [`Merchant::merge`] does).
    pub(crate) fn import_rel(&mut self, row: &RelEvidence) -> u32 {
        let rel = self.rel(&row.customer);
        let events: Vec<u32> = row.ids.iter().map(|id| self.push_event(id)).collect();
        let ev = |i: u32| events.get(i as usize).copied().unwrap_or(NO);
        for &(at, code, param, e) in &row.items {
            self.rels[rel as usize]
                .items
                .push(Item::new(at, code, param, ev(e)));
        }
        for pr in &row.promises {
            let p = self.promise(kind_of(pr.kind), &pr.subject);
            if let Some((at, deadline, e, param)) = pr.def {
                self.offer_def(p, at, deadline, ev(e), rel, param);
            }
            if let Some((at, e, param)) = pr.res {
                self.offer_res(p, at, ev(e), rel, param);
            }
        }
        for (e, code, kind, aspect, snippet) in &row.notes {
            self.notes.insert(
                (ev(*e), *code),
                Note {
                    kind: text_kind(*kind),
                    aspect: aspect.as_str().into(),
                    snippet: snippet.as_str().into(),
                },
            );
        }
        for (e, kind, subject) in &row.subjects {
            // A record of its own when its owner is not here: no side, no evidence, only
            // the subject for the sentence.
            let p = self.promise(kind_of(*kind), subject);
            self.ticket_of.insert(ev(*e), p);
        }
        rel
    }
}
