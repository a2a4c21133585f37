//! The facts the indicators are computed from, gathered event by event in any order.
//!
//! Every link (delivery → order, refund → order, reply → ticket or review, result →
//! commitment) is by id, and where several events compete for one slot (the first
//! delivery of an order, the first response to a ticket) the earliest by (time, event id)
//! wins, so the facts do not depend on the order events arrive in.

use std::collections::HashMap;

use credence_engine::promise::{self, Outcome, PromiseKind, PromiseTerms, Role};
use credence_events::{Event, EventBody, RefundStatus, SurveyMetric, TicketStatus};
use jiff::Timestamp;

/// Earliest-wins slot: (time, event id, value).
pub(crate) type Slot<T> = Option<(Timestamp, Box<str>, T)>;

fn keep_earliest<T>(slot: &mut Slot<T>, at: Timestamp, id: &str, v: T) {
    let replace = match slot {
        Some((t, i, _)) => promise::precedes((at, id), (*t, &**i)),
        None => true,
    };
    if replace {
        *slot = Some((at, id.into(), v));
    }
}

/// A promise (`credence_engine::promise`): its defining and its resolving side, each
/// the earliest event by (time, event id).
#[derive(Debug, Default, Clone)]
pub(crate) struct PromiseFact {
    /// The defining event: (deadline, customer).
    pub def: Slot<(Timestamp, u32)>,
    /// The resolving event: broken (a rejected refund) or not.
    pub res: Slot<bool>,
}

impl PromiseFact {
    /// What it amounts to with everything known (`Overdue`: unresolved); `None` without
    /// a definition.
    pub(crate) fn outcome(&self, kind: PromiseKind) -> Option<Outcome> {
        let (def_at, _, (deadline, _)) = self.def.as_ref()?;
        let res = self.res.as_ref().map(|(t, _, broken)| (*t, *broken));
        promise::standing(kind, Some((*def_at, *deadline)), res, Timestamp::MAX).map(|s| s.0)
    }

    /// The deadline, if the promise was made.
    pub(crate) fn deadline(&self) -> Option<Timestamp> {
        self.def.as_ref().map(|d| d.2.0)
    }

    /// The customer the promise was made to.
    pub(crate) fn customer(&self) -> Option<u32> {
        self.def.as_ref().map(|d| d.2.1)
    }
}

/// An order and what happened to it.
#[derive(Debug, Default, Clone)]
pub(crate) struct OrderFact {
    /// The first order event (placement): the customer.
    pub placed: Slot<u32>,
    /// The delivery promise: the first order event with `promised_by`, the first delivery.
    pub delivery: PromiseFact,
    /// Whether any `completed` refund exists for the order.
    pub refund_completed: bool,
    /// The refund promise: the first refund with `promised_by`, the first completion or
    /// rejection (a rejection resolves it broken).
    pub refund: PromiseFact,
}

/// A ticket.
#[derive(Debug, Default, Clone)]
pub(crate) struct TicketFact {
    /// The first-response promise: the first `opened` event with an SLA, the first
    /// response (`replied`, `resolved` or `closed_unresolved`).
    pub response: PromiseFact,
}

/// A review, keyed by its event id.
#[derive(Debug, Default, Clone)]
pub(crate) struct ReviewFact {
    /// (time, rating, customer).
    pub review: Option<(Timestamp, u8, u32)>,
    /// The first reply.
    pub reply: Slot<()>,
}

/// A commitment.
#[derive(Debug, Default, Clone)]
pub(crate) struct CommitmentFact {
    /// The commitment event: (due, customer if made to one customer).
    pub made: Slot<(Option<Timestamp>, Option<u32>)>,
    /// The first result: kept or not, and the customer of the result event.
    pub result: Slot<(bool, Option<u32>)>,
}

/// What a recovery action was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecoveryAction {
    /// A ticket reply or a reply to a review.
    Reply,
    /// A ticket resolved, or a refund completed.
    Resolution,
    /// A compensation event.
    Compensation,
}

/// Everything known about one merchant.
#[derive(Debug, Default, Clone)]
pub(crate) struct MerchantFacts {
    pub customer_index: HashMap<Box<str>, u32>,
    pub customer_names: Vec<Box<str>>,
    /// Per customer: times of all its events (sorted by `build`).
    pub activity: Vec<Vec<Timestamp>>,
    /// Per customer: recovery actions (sorted by `build`).
    pub actions: Vec<Vec<(Timestamp, RecoveryAction)>>,
    pub orders: HashMap<Box<str>, OrderFact>,
    pub tickets: HashMap<Box<str>, TicketFact>,
    pub reviews: HashMap<Box<str>, ReviewFact>,
    pub commitments: HashMap<Box<str>, CommitmentFact>,
    /// (time, customer).
    pub complaints: Vec<(Timestamp, u32)>,
    pub surveys: Vec<(Timestamp, SurveyMetric, u8)>,
    pub first: Option<Timestamp>,
    pub latest: Option<Timestamp>,
    /// Per customer: times of its orders (first order event per order id), sorted.
    pub order_times: Vec<Vec<Timestamp>>,
    /// Aspect mentions read in texts: (time, aspect code, negative), one per event and
    /// aspect (see [`DatasetBuilder::add_text`]).
    pub aspect_mentions: Vec<(Timestamp, Box<str>, bool)>,
}

impl MerchantFacts {
    fn customer(&mut self, name: &str) -> u32 {
        if let Some(&c) = self.customer_index.get(name) {
            return c;
        }
        let c = self.customer_names.len() as u32;
        self.customer_names.push(name.into());
        self.customer_index.insert(name.into(), c);
        self.activity.push(Vec::new());
        self.actions.push(Vec::new());
        c
    }

    fn add(&mut self, ev: &Event) {
        let at = ev.at;
        self.first = Some(self.first.map_or(at, |f| f.min(at)));
        self.latest = Some(self.latest.map_or(at, |l| l.max(at)));
        let cust = ev.customer.as_deref().map(|c| self.customer(c));
        if let Some(c) = cust {
            self.activity[c as usize].push(at);
        }
        let id = ev.id.as_str();
        let action = |me: &mut Self, a: RecoveryAction| {
            if let Some(c) = cust {
                me.actions[c as usize].push((at, a));
            }
        };
        // Promises by the one rule (reviews are read below: the reply window is an
        // option of the indicators).
        if let Some(c) = cust {
            for l in promise::links(ev, &PromiseTerms::default()) {
                let fact = match l.kind {
                    PromiseKind::Delivery => {
                        &mut self.orders.entry(l.subject.into()).or_default().delivery
                    }
                    PromiseKind::Refund => {
                        &mut self.orders.entry(l.subject.into()).or_default().refund
                    }
                    PromiseKind::Ticket => {
                        &mut self.tickets.entry(l.subject.into()).or_default().response
                    }
                    PromiseKind::ReviewReply => continue,
                };
                match l.role {
                    Role::Defines {
                        deadline: Some(deadline),
                    } => keep_earliest(&mut fact.def, at, id, (deadline, c)),
                    Role::Defines { deadline: None } => {}
                    Role::Resolves { broken } => keep_earliest(&mut fact.res, at, id, broken),
                }
            }
        }
        match &ev.body {
            EventBody::Order { order, .. } => {
                if let Some(c) = cust {
                    let o = self.orders.entry(order.as_str().into()).or_default();
                    keep_earliest(&mut o.placed, at, id, c);
                }
            }
            EventBody::Delivery { .. } => {}
            EventBody::Refund { order, status, .. } => {
                if *status == RefundStatus::Completed {
                    self.orders
                        .entry(order.as_str().into())
                        .or_default()
                        .refund_completed = true;
                    action(self, RecoveryAction::Resolution);
                }
            }
            EventBody::Ticket { status, .. } => match status {
                TicketStatus::Replied => action(self, RecoveryAction::Reply),
                TicketStatus::Resolved => action(self, RecoveryAction::Resolution),
                TicketStatus::Opened | TicketStatus::ClosedUnresolved | TicketStatus::Reopened => {}
            },
            EventBody::Complaint { .. } => {
                if let Some(c) = cust {
                    self.complaints.push((at, c));
                }
            }
            EventBody::Review { rating, .. } => {
                if let Some(c) = cust {
                    let r = self.reviews.entry(id.into()).or_default();
                    r.review = Some((at, *rating, c));
                }
            }
            EventBody::ReviewReply { review, .. } => {
                let r = self.reviews.entry(review.as_str().into()).or_default();
                keep_earliest(&mut r.reply, at, id, ());
                action(self, RecoveryAction::Reply);
            }
            EventBody::Survey { metric, score, .. } => self.surveys.push((at, *metric, *score)),
            EventBody::Commitment {
                commitment, due, ..
            } => {
                let f = self
                    .commitments
                    .entry(commitment.as_str().into())
                    .or_default();
                keep_earliest(&mut f.made, at, id, (*due, cust));
            }
            EventBody::CommitmentResult { commitment, kept } => {
                let f = self
                    .commitments
                    .entry(commitment.as_str().into())
                    .or_default();
                keep_earliest(&mut f.result, at, id, (*kept, cust));
            }
            EventBody::Compensation { .. } => action(self, RecoveryAction::Compensation),
            EventBody::Referral { .. }
            | EventBody::Engagement { .. }
            | EventBody::Churn { .. }
            | EventBody::SiteSignals { .. }
            | EventBody::Custom { .. } => {}
        }
    }

    fn finish(&mut self) {
        for v in &mut self.activity {
            v.sort_unstable();
        }
        for v in &mut self.actions {
            v.sort_unstable();
        }
        self.complaints.sort_unstable();
        self.surveys.sort_unstable_by_key(|s| s.0);
        let mut ot = vec![Vec::new(); self.customer_names.len()];
        for o in self.orders.values() {
            if let Some((t, _, c)) = &o.placed {
                ot[*c as usize].push(*t);
            }
        }
        for v in &mut ot {
            v.sort_unstable();
        }
        self.order_times = ot;
    }
}

/// Collects events (of any merchants, in any order) into a [`Dataset`].
#[derive(Debug, Default, Clone)]
pub struct DatasetBuilder {
    merchants: HashMap<String, MerchantFacts>,
}

impl DatasetBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one event. Add each event once (the store de-duplicates ids).
    pub fn add(&mut self, event: &Event) {
        match self.merchants.get_mut(event.merchant.as_str()) {
            Some(m) => m.add(event),
            None => {
                let mut m = MerchantFacts::default();
                m.add(event);
                self.merchants.insert(event.merchant.clone(), m);
            }
        }
    }

    /// Adds many events.
    pub fn extend<'a>(&mut self, events: impl IntoIterator<Item = &'a Event>) {
        for e in events {
            self.add(e);
        }
    }

    /// Adds what a text analyser read in `event`'s text (the event itself is added with
    /// [`DatasetBuilder::add`]): one aspect mention per aspect the text names, negative
    /// when most of its mentions there are (a tie goes to the last one), dated at the
    /// event. They feed the `aspects` indicators.
    pub fn add_text(&mut self, event: &Event, text: &credence_engine::TextSignal) {
        let m = self.merchants.entry(event.merchant.clone()).or_default();
        let mut seen: Vec<&str> = Vec::new();
        for a in &text.aspects {
            if seen.contains(&a.aspect.as_str()) {
                continue;
            }
            seen.push(&a.aspect);
            let (mut pos, mut neg, mut last_neg) = (0u32, 0u32, false);
            for b in text.aspects.iter().filter(|b| b.aspect == a.aspect) {
                if b.positive {
                    pos += 1;
                } else {
                    neg += 1;
                }
                last_neg = !b.positive;
            }
            let negative = if pos == neg { last_neg } else { neg > pos };
            m.aspect_mentions
                .push((event.at, a.aspect.as_str().into(), negative));
        }
    }

    /// Freezes the facts for computing indicators.
    pub fn build(mut self) -> Dataset {
        for m in self.merchants.values_mut() {
            m.finish();
        }
        let mut ratings: Vec<(Timestamp, u8)> = self
            .merchants
            .values()
            .flat_map(|m| {
                m.reviews
                    .values()
                    .filter_map(|r| r.review.map(|x| (x.0, x.1)))
            })
            .collect();
        ratings.sort_unstable();
        let mut aspect_codes: Vec<String> = self
            .merchants
            .values()
            .flat_map(|m| m.aspect_mentions.iter().map(|a| a.1.to_string()))
            .collect();
        aspect_codes.sort_unstable();
        aspect_codes.dedup();
        Dataset {
            merchants: self.merchants,
            ratings,
            aspect_codes,
        }
    }
}

/// The facts of every merchant, ready for [`crate::indicators`] and
/// [`crate::recovery`]. Built with [`DatasetBuilder`].
#[derive(Debug, Default, Clone)]
pub struct Dataset {
    pub(crate) merchants: HashMap<String, MerchantFacts>,
    /// Every review of every merchant: (time, rating), sorted (for the Bayesian prior).
    pub(crate) ratings: Vec<(Timestamp, u8)>,
    /// Every aspect mentioned in any text, sorted (the keys of every row's `aspects`).
    pub(crate) aspect_codes: Vec<String>,
}

impl Dataset {
    /// Builds a dataset from events in any order.
    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a Event>) -> Dataset {
        let mut b = DatasetBuilder::new();
        b.extend(events);
        b.build()
    }

    /// Merchants, sorted.
    pub fn merchants(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.merchants.keys().map(String::as_str).collect();
        v.sort_unstable();
        v
    }

    /// The time of the first and of the latest event of a merchant (of all merchants
    /// with `None`).
    pub fn span(&self, merchant: Option<&str>) -> Option<(Timestamp, Timestamp)> {
        let mut out: Option<(Timestamp, Timestamp)> = None;
        for (name, m) in &self.merchants {
            if merchant.is_some_and(|x| x != name) {
                continue;
            }
            if let (Some(f), Some(l)) = (m.first, m.latest) {
                out = Some(match out {
                    Some((a, b)) => (a.min(f), b.max(l)),
                    None => (f, l),
                });
            }
        }
        out
    }

    /// The mean rating of every merchant's reviews in `[start, end)`; `None` without
    /// reviews.
    pub fn all_merchant_mean_rating(&self, start: Timestamp, end: Timestamp) -> Option<f64> {
        let lo = self.ratings.partition_point(|r| r.0 < start);
        let hi = self.ratings.partition_point(|r| r.0 < end);
        let n = hi.saturating_sub(lo);
        if n == 0 {
            return None;
        }
        let sum: u64 = self.ratings[lo..hi].iter().map(|r| u64::from(r.1)).sum();
        Some(sum as f64 / n as f64)
    }

    pub(crate) fn get(&self, merchant: &str) -> Option<&MerchantFacts> {
        self.merchants.get(merchant)
    }
}
