//! Promises: for every kind, which event defines it, which event resolves it, when it is
//! due, and what it amounts to at an evaluation time. This is the one place those rules
//! live; the engine (integrity and benevolence evidence), the indicators (promise-kept
//! and first-response rates) and the alert streams (overdue deliveries, SLA breaches)
//! all call it, so they cannot disagree.
//!
//! | kind | defined by | due | resolved by |
//! |---|---|---|---|
//! | [`PromiseKind::Delivery`] | an `order` with `promised_by` | `promised_by` | a `delivery` of the order |
//! | [`PromiseKind::Ticket`] | a ticket `opened` with `sla_minutes` | opened + SLA | the ticket `replied`, `resolved` or `closed_unresolved` |
//! | [`PromiseKind::Refund`] | a `refund` with `promised_by` | `promised_by` | a refund of the order `completed`, or `rejected` (broken) |
//! | [`PromiseKind::ReviewReply`] | a review of at most [`PromiseTerms::reply_max_rating`] stars | review + [`PromiseTerms::reply_window`] | a `review_reply` to it |
//!
//! Where several events compete for one side (two orders with a `promised_by` for one
//! order id, two replies to one ticket), the earliest by (time, event id) wins
//! ([`precedes`]), so a promise does not depend on the order events arrive in. An order
//! without `promised_by` makes no promise. Deadlines are computed with checked
//! arithmetic ([`due`]): one beyond the representable range is never reached.

use credence_events::{Event, EventBody, RefundStatus, TicketStatus};
use jiff::{SignedDuration, Timestamp};

use crate::Rules;

/// The four kinds of promise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PromiseKind {
    /// An order's `promised_by` → its first delivery.
    Delivery,
    /// A ticket's first-response SLA → its first response.
    Ticket,
    /// A refund's `promised_by` → its completion or rejection.
    Refund,
    /// A negative review's reply window → the first reply.
    ReviewReply,
}

impl PromiseKind {
    /// Every kind, in declaration order.
    pub const ALL: [PromiseKind; 4] = [
        PromiseKind::Delivery,
        PromiseKind::Ticket,
        PromiseKind::Refund,
        PromiseKind::ReviewReply,
    ];

    /// What the subject id of this kind names: `order`, `ticket`, `order` (a refund is
    /// keyed by its order) or `review`.
    pub fn subject_kind(self) -> &'static str {
        match self {
            PromiseKind::Delivery | PromiseKind::Refund => "order",
            PromiseKind::Ticket => "ticket",
            PromiseKind::ReviewReply => "review",
        }
    }
}

/// The configurable terms promises are read with (from [`Rules`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PromiseTerms {
    /// Reviews with at most this many stars expect a reply.
    pub reply_max_rating: u8,
    /// How long such a review may wait for its reply.
    pub reply_window: SignedDuration,
}

impl PromiseTerms {
    /// The terms of a rule set (`review_reply_max_rating`, `review_reply_window_hours`).
    pub fn from_rules(rules: &Rules) -> PromiseTerms {
        // Validated rules have a finite, positive window; clamp anything else into range.
        let secs = (rules.review_reply_window_hours * 3600.0).clamp(0.0, 1e15);
        PromiseTerms {
            reply_max_rating: rules.review_reply_max_rating,
            reply_window: SignedDuration::from_secs_f64(secs),
        }
    }
}

impl Default for PromiseTerms {
    fn default() -> Self {
        PromiseTerms::from_rules(&Rules::default())
    }
}

/// What one event does to one promise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// It defines the promise, due at `deadline`. `None`: the event is the promise's
    /// subject but promises nothing (a review above the reply threshold) — a reply to
    /// it is then no answer to a promise, and not dangling either.
    Defines {
        /// When the promise is due.
        deadline: Option<Timestamp>,
    },
    /// It resolves the promise; `broken` for a rejected refund.
    Resolves {
        /// The resolution breaks the promise whatever its time.
        broken: bool,
    },
}

/// One promise an event takes part in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Link<'e> {
    /// The kind of promise.
    pub kind: PromiseKind,
    /// The id the promise is about: the order, the ticket, or the review's event id.
    pub subject: &'e str,
    /// Defines or resolves.
    pub role: Role,
}

/// The promises an event takes part in: none, one, or two (a refund with `promised_by`
/// that is also `completed` or `rejected` defines and resolves its promise).
pub fn links<'e>(ev: &'e Event, terms: &PromiseTerms) -> impl Iterator<Item = Link<'e>> {
    let mut out: [Option<Link<'e>>; 2] = [None, None];
    let link = |kind, subject: &'e str, role| {
        Some(Link {
            kind,
            subject,
            role,
        })
    };
    match &ev.body {
        EventBody::Order {
            order,
            promised_by: Some(pb),
            ..
        } => {
            out[0] = link(
                PromiseKind::Delivery,
                order,
                Role::Defines {
                    deadline: Some(*pb),
                },
            );
        }
        EventBody::Delivery { order, .. } => {
            out[0] = link(
                PromiseKind::Delivery,
                order,
                Role::Resolves { broken: false },
            );
        }
        EventBody::Refund {
            order,
            status,
            promised_by,
            ..
        } => {
            if let Some(pb) = promised_by {
                out[0] = link(
                    PromiseKind::Refund,
                    order,
                    Role::Defines {
                        deadline: Some(*pb),
                    },
                );
            }
            let broken = match status {
                RefundStatus::Requested => None,
                RefundStatus::Completed => Some(false),
                RefundStatus::Rejected => Some(true),
            };
            if let Some(broken) = broken {
                out[1] = link(PromiseKind::Refund, order, Role::Resolves { broken });
            }
        }
        EventBody::Ticket {
            ticket,
            status,
            sla_minutes,
            ..
        } => match status {
            TicketStatus::Opened => {
                if let Some(m) = sla_minutes {
                    let deadline = due(ev.at, SignedDuration::from_mins(i64::from(*m)));
                    out[0] = link(
                        PromiseKind::Ticket,
                        ticket,
                        Role::Defines {
                            deadline: Some(deadline),
                        },
                    );
                }
            }
            TicketStatus::Replied | TicketStatus::Resolved | TicketStatus::ClosedUnresolved => {
                out[0] = link(
                    PromiseKind::Ticket,
                    ticket,
                    Role::Resolves { broken: false },
                );
            }
            TicketStatus::Reopened => {}
        },
        EventBody::Review { rating, .. } => {
            let deadline = reply_deadline(ev.at, *rating, terms);
            out[0] = link(PromiseKind::ReviewReply, &ev.id, Role::Defines { deadline });
        }
        EventBody::ReviewReply { review, .. } => {
            out[0] = link(
                PromiseKind::ReviewReply,
                review,
                Role::Resolves { broken: false },
            );
        }
        _ => {}
    }
    out.into_iter().flatten()
}

/// When a review of `rating` stars written at `at` must be replied to: `None` above
/// the threshold (it expects no reply).
pub fn reply_deadline(at: Timestamp, rating: u8, terms: &PromiseTerms) -> Option<Timestamp> {
    (rating <= terms.reply_max_rating).then(|| due(at, terms.reply_window))
}

/// `at + after`, or [`Timestamp::MAX`] (never reached by an event) when that lies beyond
/// the representable range — a ticket with an SLA of millennia is never late.
pub fn due(at: Timestamp, after: SignedDuration) -> Timestamp {
    at.checked_add(after).unwrap_or(Timestamp::MAX)
}

/// Whether `(at_a, id_a)` comes strictly before `(at_b, id_b)`: the earliest event by
/// time, then by id, wins a side of a promise.
pub fn precedes<T: Ord>(a: (T, &str), b: (T, &str)) -> bool {
    a < b
}

/// What a promise amounts to at an evaluation time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Resolved on or before its deadline (for a refund: completed in time, or
    /// completed with no promise known).
    Kept,
    /// Resolved after its deadline.
    Late,
    /// Past its deadline with no resolution yet.
    Overdue,
    /// Resolved in a way that breaks it whatever the time (a rejected refund).
    Broken,
}

impl Outcome {
    /// Kept, as the indicators count it: `Some(true)` kept, `Some(false)` late or
    /// broken, `None` not resolved (overdue or pending).
    pub fn resolved_kept(self) -> Option<bool> {
        match self {
            Outcome::Kept => Some(true),
            Outcome::Late | Outcome::Broken => Some(false),
            Outcome::Overdue => None,
        }
    }
}

/// Which side of a promise an outcome is the evidence of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The defining event (an overdue promise).
    Definition,
    /// The resolving event (kept, late, broken).
    Resolution,
}

/// The standing of a promise at time `t`: what it amounts to, the time the evidence
/// carries, and which side's event it belongs to. `None` while it amounts to nothing
/// (not yet due, unknown, or a subject that promises nothing).
///
/// `definition` is `(defined at, due at)`, `resolution` `(resolved at, broken)`; each
/// side counts only once its time is at or before `t`. Deadline-dependent evidence is
/// dated at the deadline (DESIGN.md): an overdue item exists only while `t` is past the
/// deadline with no resolution by `t`; once the resolution exists, its own item (kept,
/// dated at the resolution; or late, dated at the deadline) replaces it — never both.
/// A refund resolves without a known promise too: completed is kept, rejected broken,
/// dated at the resolution.
pub fn standing<T: Ord + Copy>(
    kind: PromiseKind,
    definition: Option<(T, T)>,
    resolution: Option<(T, bool)>,
    t: T,
) -> Option<(Outcome, T, Side)> {
    let def = definition.filter(|&(at, _)| at <= t);
    let res = resolution.filter(|&(at, _)| at <= t);
    if kind == PromiseKind::Refund {
        match (res, def) {
            (Some((at, true)), _) => return Some((Outcome::Broken, at, Side::Resolution)),
            (Some((at, false)), None) => return Some((Outcome::Kept, at, Side::Resolution)),
            _ => {}
        }
    }
    let (_, deadline) = def?;
    match res {
        Some((at, _)) if at <= deadline => Some((Outcome::Kept, at, Side::Resolution)),
        Some(_) => Some((Outcome::Late, deadline, Side::Resolution)),
        None if t >= deadline => Some((Outcome::Overdue, deadline, Side::Definition)),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(line: &str) -> Event {
        credence_events::parse_event(line).expect("valid event")
    }

    fn all(line: &str) -> Vec<(PromiseKind, String, Role)> {
        let e = ev(line);
        links(&e, &PromiseTerms::default())
            .map(|l| (l.kind, l.subject.to_string(), l.role))
            .collect()
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("timestamp")
    }

    #[test]
    fn an_order_promises_only_with_promised_by() {
        assert!(all(r#"{"id":"e","type":"order","at":"2026-03-01T10:00:00Z","merchant":"m","customer":"c","order":"o"}"#).is_empty());
        assert_eq!(
            all(
                r#"{"id":"e","type":"order","at":"2026-03-01T10:00:00Z","merchant":"m","customer":"c","order":"o","promised_by":"2026-03-03T10:00:00Z"}"#
            ),
            vec![(
                PromiseKind::Delivery,
                "o".into(),
                Role::Defines {
                    deadline: Some(ts("2026-03-03T10:00:00Z"))
                }
            )]
        );
    }

    #[test]
    fn a_refund_with_a_promise_can_define_and_resolve_and_rejection_breaks() {
        let v = all(
            r#"{"id":"e","type":"refund","at":"2026-03-01T10:00:00Z","merchant":"m","customer":"c","order":"o","status":"rejected","promised_by":"2026-03-03T10:00:00Z"}"#,
        );
        assert_eq!(v.len(), 2);
        assert_eq!(v[1].2, Role::Resolves { broken: true });
        let t0 = ts("2026-03-01T10:00:00Z");
        let deadline = ts("2026-03-03T10:00:00Z");
        assert_eq!(
            standing(
                PromiseKind::Refund,
                Some((t0, deadline)),
                Some((t0, true)),
                t0
            ),
            Some((Outcome::Broken, t0, Side::Resolution))
        );
    }

    #[test]
    fn a_huge_sla_is_never_due_instead_of_overflowing() {
        let v = all(
            r#"{"id":"e","type":"ticket","at":"9999-12-30T00:00:00Z","merchant":"m","customer":"c","ticket":"t","status":"opened","sla_minutes":4294967295}"#,
        );
        assert_eq!(
            v[0].2,
            Role::Defines {
                deadline: Some(Timestamp::MAX)
            }
        );
    }

    #[test]
    fn the_reply_threshold_follows_the_rules() {
        let line = r#"{"id":"r","type":"review","at":"2026-03-01T10:00:00Z","merchant":"m","customer":"c","rating":3}"#;
        assert_eq!(all(line)[0].2, Role::Defines { deadline: None });
        let rules = Rules {
            review_reply_max_rating: 3,
            review_reply_window_hours: 24.0,
            ..Rules::default()
        };
        let e = ev(line);
        let l: Vec<Link<'_>> = links(&e, &PromiseTerms::from_rules(&rules)).collect();
        assert_eq!(
            l[0].role,
            Role::Defines {
                deadline: Some(ts("2026-03-02T10:00:00Z"))
            }
        );
    }

    #[test]
    fn overdue_then_late_never_both() {
        let k = PromiseKind::Delivery;
        let def = Some((0i64, 10));
        assert_eq!(standing(k, def, None, 5), None);
        assert_eq!(
            standing(k, def, None, 10),
            Some((Outcome::Overdue, 10, Side::Definition))
        );
        assert_eq!(
            standing(k, def, Some((12, false)), 11),
            Some((Outcome::Overdue, 10, Side::Definition))
        );
        assert_eq!(
            standing(k, def, Some((12, false)), 12),
            Some((Outcome::Late, 10, Side::Resolution))
        );
        assert_eq!(
            standing(k, def, Some((8, false)), 9),
            Some((Outcome::Kept, 8, Side::Resolution))
        );
        // A resolution without a definition is nothing (a dangling delivery) except for
        // refunds.
        assert_eq!(standing(k, None, Some((8, false)), 9), None);
        assert_eq!(
            standing(PromiseKind::Refund, None, Some((8, false)), 9),
            Some((Outcome::Kept, 8, Side::Resolution))
        );
    }
}
