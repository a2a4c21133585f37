//! Alerts: what `credence alerts` prints, one JSON object per line.
//!
//! ```json
//! {"id":"…16 hex…","kind":"customer_risk"|"merchant_crisis","merchant":"m-tea",
//!  "customer":"c-1"?,"stream":"delivery_overdue"?,"opened_at":"2026-02-17T00:00:00Z",
//!  "severity":"low"|"medium"|"high","magnitude":3.2,"reasons":[{"code","text_en","text_zh","events"?}],
//!  "playbook":[{"step_en","step_zh","due_days"}],"status":"open"|"acked"|"resolved"}
//! ```
//!
//! An alert is a deterministic function of the data: `id` is the first 16 hex digits of
//! SHA-256 over `credence-alert-v1 ␟ kind ␟ merchant ␟ customer-or-stream ␟ opened_at`
//! (␟ = U+001F, `opened_at` as integer epoch microseconds), so the same evidence always
//! gives the same id. Only `status` is set by a person (and stored by the caller).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::detect::{Alarm, day_number};
use crate::risk::RiskScore;

/// The two kinds of alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// One relationship is slipping.
    CustomerRisk,
    /// A merchant-wide burst of negative signals on one stream.
    MerchantCrisis,
}

impl AlertKind {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::CustomerRisk => "customer_risk",
            AlertKind::MerchantCrisis => "merchant_crisis",
        }
    }
}

/// How urgent an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Watch.
    Low,
    /// Act this week.
    Medium,
    /// Act today.
    High,
}

/// Where a person has taken an alert.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Not yet looked at (every computed alert starts here).
    #[default]
    Open,
    /// Someone is on it.
    Acked,
    /// Dealt with.
    Resolved,
}

/// Why an alert was raised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertReason {
    /// Stable code (a risk factor code, or `stream_excess` / `driver_day` for a crisis).
    pub code: String,
    /// A sentence in English.
    pub text_en: String,
    /// The same sentence in Chinese.
    pub text_zh: String,
    /// Ids of the events behind this reason (attached by the caller; omitted if none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<String>,
}

/// One recommended step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaybookStep {
    /// The step in English.
    pub step_en: String,
    /// The step in Chinese.
    pub step_zh: String,
    /// Days from `opened_at` by which to do it.
    pub due_days: u32,
}

/// An alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Stable id (see the module docs).
    pub id: String,
    /// Customer risk or merchant crisis.
    pub kind: AlertKind,
    /// The merchant.
    pub merchant: String,
    /// The customer (customer risk only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    /// The stream (merchant crisis only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    /// When the evidence crossed the threshold (RFC 3339 in JSON).
    pub opened_at: Timestamp,
    /// Severity (rules in [`crisis_severity`] and [`risk_severity`]).
    pub severity: Severity,
    /// Merchant crisis: observed / expected signals over the alarm window. Customer
    /// risk: the risk score (0–1).
    pub magnitude: f64,
    /// Why, most important first.
    pub reasons: Vec<AlertReason>,
    /// What to do.
    pub playbook: Vec<PlaybookStep>,
    /// Set by a person; computed alerts are `open`.
    pub status: Status,
}

/// The alert id: first 16 hex digits of SHA-256 over
/// `credence-alert-v1␟kind␟merchant␟key␟opened_at_micros` (key = customer or stream).
pub fn alert_id(kind: AlertKind, merchant: &str, key: &str, opened_at: Timestamp) -> String {
    let mut h = Sha256::new();
    h.update(b"credence-alert-v1\x1f");
    h.update(kind.as_str().as_bytes());
    h.update(b"\x1f");
    h.update(merchant.as_bytes());
    h.update(b"\x1f");
    h.update(key.as_bytes());
    h.update(b"\x1f");
    h.update(opened_at.as_microsecond().to_string().as_bytes());
    let d = h.finalize();
    d.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Risk at or above which a customer-risk alert is raised. 0.65 rather than 0.5: on the
/// demo data 0.5 raised an alert for one customer in twenty of the well-run bank every
/// quarter, an inbox no team reads; at 0.65 a single factor never suffices.
pub const RISK_ALERT_THRESHOLD: f64 = 0.65;

/// Customer-risk severity: high ≥ 0.85, medium ≥ 0.75, otherwise low.
pub fn risk_severity(score: f64) -> Severity {
    if score >= 0.85 {
        Severity::High
    } else if score >= 0.75 {
        Severity::Medium
    } else {
        Severity::Low
    }
}

/// Merchant-crisis severity from the magnitude (observed/expected over the alarm
/// window) and the excess count (observed − expected): high if magnitude ≥ 3 and at
/// least 5 excess signals; medium if magnitude ≥ 2 or at least 10 excess signals;
/// otherwise low. Overdue promises are one level higher (capped at high): each is a
/// broken promise to a customer who is waiting now.
pub fn crisis_severity(stream: &str, magnitude: f64, excess: f64) -> Severity {
    let base = if magnitude >= 3.0 && excess >= 5.0 {
        Severity::High
    } else if magnitude >= 2.0 || excess >= 10.0 {
        Severity::Medium
    } else {
        Severity::Low
    };
    let promise = stream == crate::detect::streams::DELIVERY_OVERDUE
        || stream == crate::detect::streams::REFUND_OVERDUE
        || stream == crate::detect::streams::TICKET_SLA_BREACH;
    match (promise, base) {
        (true, Severity::Low) => Severity::Medium,
        (true, _) => Severity::High,
        (false, s) => s,
    }
}

fn step(en: &str, zh: &str, due_days: u32) -> PlaybookStep {
    PlaybookStep {
        step_en: en.to_string(),
        step_zh: zh.to_string(),
        due_days,
    }
}

/// The customer playbook: apologise, compensate (medium and high), follow up.
pub fn customer_playbook(severity: Severity) -> Vec<PlaybookStep> {
    let (apology_due, follow_up) = match severity {
        Severity::High => (1, 7),
        Severity::Medium => (2, 10),
        Severity::Low => (3, 14),
    };
    let mut p = vec![step(
        "Contact the customer personally and apologise for what went wrong, naming it.",
        "主动联系客户，针对具体问题诚恳致歉。",
        apology_due,
    )];
    if severity >= Severity::Medium {
        p.push(step(
            "Offer compensation that matches the failure (refund, voucher or free redelivery).",
            "提供与失误相称的补偿（退款、优惠券或免费重新配送）。",
            apology_due + 2,
        ));
    }
    p.push(step(
        "Follow up to confirm the problem is solved and ask how they feel about us now.",
        "跟进回访，确认问题已解决，并了解客户现在的感受。",
        follow_up,
    ));
    p
}

/// The crisis playbook: find the cause, inform affected customers, make a public
/// commitment, check the stream is back to its baseline.
pub fn crisis_playbook(stream: &str, severity: Severity) -> Vec<PlaybookStep> {
    let urgent = severity == Severity::High;
    vec![
        step(
            &format!(
                "Find the cause: read the driver days' events on `{stream}` and the top complaint and review aspects."
            ),
            &format!("查找原因：查看“{stream}”异常日期的事件，以及投诉和评价中最集中的方面。"),
            1,
        ),
        step(
            "Inform the affected customers: say what happened, what you are doing and when it will be fixed.",
            "告知受影响的客户：说明发生了什么、正在采取什么措施、何时解决。",
            if urgent { 1 } else { 2 },
        ),
        step(
            "Make a public commitment with a date (and record it, so its result is tracked).",
            "作出有明确期限的公开承诺（并记录在案，以便追踪兑现情况）。",
            if urgent { 3 } else { 7 },
        ),
        step(
            "Check the stream is back to its baseline; if not, escalate.",
            "检查该指标是否已回到基线水平；如未恢复，升级处理。",
            14,
        ),
    ]
}

/// The end of a civil day in UTC (the moment its counts are complete): the default
/// `opened_at` of a crisis alert whose statistic crossed on that day. Callers with a
/// merchant time zone convert the day's end in that zone instead.
pub fn end_of_day_utc(date: jiff::civil::Date) -> Timestamp {
    Timestamp::from_second((day_number(date) + 1) * 86_400).unwrap_or(Timestamp::MAX)
}

/// A merchant-crisis alert from a detector alarm, opened at `opened_at` (for example
/// [`end_of_day_utc`]`(alarm.opened_on)`). `events_of(day)` returns the ids of the
/// events counted in the stream that day (pass `|_| Vec::new()` to omit them).
pub fn crisis_alert(
    merchant: &str,
    alarm: &Alarm,
    opened_at: Timestamp,
    mut events_of: impl FnMut(jiff::civil::Date) -> Vec<String>,
) -> Alert {
    let excess = alarm.observed as f64 - alarm.expected;
    let severity = crisis_severity(&alarm.stream, alarm.magnitude, excess);
    let mut reasons = vec![AlertReason {
        code: "stream_excess".into(),
        text_en: format!(
            "{}: {} signals since {} against {:.1} expected at the baseline rate ({:.1}×).",
            alarm.stream, alarm.observed, alarm.started_on, alarm.expected, alarm.magnitude
        ),
        text_zh: format!(
            "{}：自{}起出现{}次，按基线水平预期仅{:.1}次（{:.1}倍）。",
            alarm.stream, alarm.started_on, alarm.observed, alarm.expected, alarm.magnitude
        ),
        events: Vec::new(),
    }];
    for d in &alarm.drivers {
        reasons.push(AlertReason {
            code: "driver_day".into(),
            text_en: format!(
                "{}: {} signals out of {} (expected {:.1}).",
                d.date, d.count, d.exposure, d.expected
            ),
            text_zh: format!(
                "{}：{}次（基数{}，预期{:.1}次）。",
                d.date, d.count, d.exposure, d.expected
            ),
            events: events_of(d.date),
        });
    }
    Alert {
        id: alert_id(
            AlertKind::MerchantCrisis,
            merchant,
            &alarm.stream,
            opened_at,
        ),
        kind: AlertKind::MerchantCrisis,
        merchant: merchant.to_string(),
        customer: None,
        stream: Some(alarm.stream.clone()),
        opened_at,
        severity,
        magnitude: alarm.magnitude,
        reasons,
        playbook: crisis_playbook(&alarm.stream, severity),
        status: Status::Open,
    }
}

/// All crisis alerts of one merchant: [`crate::detect::detect_all`] on its streams,
/// each alarm turned into an alert opened at the end of its day in UTC
/// ([`end_of_day_utc`]). `events_of(stream, day)` returns the ids of the events counted
/// in that stream that day (the evidence). Sorted by (opened_at, stream).
pub fn merchant_crisis_alerts(
    merchant: &str,
    series: &[crate::detect::DailySeries],
    cal: &crate::detect::Calibration,
    mut events_of: impl FnMut(&str, jiff::civil::Date) -> Vec<String>,
) -> Vec<Alert> {
    crate::detect::detect_all(series, cal)
        .iter()
        .map(|a| {
            crisis_alert(merchant, a, end_of_day_utc(a.opened_on), |d| {
                events_of(&a.stream, d)
            })
        })
        .collect()
}

/// A customer-risk alert, or `None` if the risk is below [`RISK_ALERT_THRESHOLD`].
/// `opened_at` is the evaluation point at which the risk first reached the threshold.
pub fn customer_risk_alert(
    merchant: &str,
    customer: &str,
    opened_at: Timestamp,
    risk: &RiskScore,
) -> Option<Alert> {
    if risk.score < RISK_ALERT_THRESHOLD {
        return None;
    }
    let severity = risk_severity(risk.score);
    Some(Alert {
        id: alert_id(AlertKind::CustomerRisk, merchant, customer, opened_at),
        kind: AlertKind::CustomerRisk,
        merchant: merchant.to_string(),
        customer: Some(customer.to_string()),
        stream: None,
        opened_at,
        severity,
        magnitude: risk.score,
        reasons: risk
            .reasons
            .iter()
            .map(|r| AlertReason {
                code: r.code.clone(),
                text_en: r.text_en.clone(),
                text_zh: r.text_zh.clone(),
                events: Vec::new(),
            })
            .collect(),
        playbook: customer_playbook(severity),
        status: Status::Open,
    })
}

/// Days between two customer-risk alerts of the same relationship.
pub const CUSTOMER_ALERT_GAP_DAYS: i64 = 30;

/// Keep at most one customer-risk alert per (merchant, customer) per 30 days: sorted by
/// time, an alert is kept if it opened at least 30 days after the last one kept.
/// Crisis alerts pass through. The result is sorted by (opened_at, id) and does not
/// depend on the input order.
pub fn dedup(mut alerts: Vec<Alert>) -> Vec<Alert> {
    alerts.sort_by(|a, b| a.opened_at.cmp(&b.opened_at).then_with(|| a.id.cmp(&b.id)));
    alerts.dedup_by(|a, b| a.id == b.id);
    let gap = CUSTOMER_ALERT_GAP_DAYS * 86_400 * 1_000_000;
    let mut last: std::collections::HashMap<(String, String), i64> =
        std::collections::HashMap::new();
    alerts.retain(|a| {
        let (AlertKind::CustomerRisk, Some(c)) = (a.kind, &a.customer) else {
            return true;
        };
        let t = a.opened_at.as_microsecond();
        let key = (a.merchant.clone(), c.clone());
        match last.get(&key) {
            Some(&prev) if t - prev < gap => false,
            _ => {
                last.insert(key, t);
                true
            }
        }
    });
    alerts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::risk::{RiskInputs, risk_score};

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("timestamp")
    }

    fn risky() -> RiskScore {
        risk_score(&RiskInputs {
            trust_now: 40.0,
            trust_30d_ago: Some(65.0),
            negative_count_30d: 3,
            negative_impact_30d: 12.0,
            unresolved_tickets: 1,
            oldest_unresolved_ticket_days: 6.0,
            events_30d: 1,
            expected_events_30d: Some(4.0),
            p_alive: Some(0.9),
        })
    }

    #[test]
    fn ids_are_stable_and_distinguish_their_inputs() {
        let t = ts("2026-02-17T00:00:00Z");
        let id = alert_id(AlertKind::MerchantCrisis, "m-tea", "delivery_overdue", t);
        assert_eq!(id.len(), 16);
        assert_eq!(
            id,
            alert_id(AlertKind::MerchantCrisis, "m-tea", "delivery_overdue", t)
        );
        // Pinned (checked with Python hashlib): changing the derivation changes every id.
        assert_eq!(id, "9a3ed1f2d85c5794", "the id derivation changed");
        let others = [
            alert_id(AlertKind::CustomerRisk, "m-tea", "delivery_overdue", t),
            alert_id(AlertKind::MerchantCrisis, "m-tea2", "delivery_overdue", t),
            alert_id(AlertKind::MerchantCrisis, "m-tea", "delivery_late", t),
            alert_id(
                AlertKind::MerchantCrisis,
                "m-tea",
                "delivery_overdue",
                ts("2026-02-17T00:00:01Z"),
            ),
        ];
        assert!(others.iter().all(|o| *o != id));
    }

    #[test]
    fn json_has_exactly_the_issue_fields() {
        let a = customer_risk_alert("m-tea", "c-1", ts("2026-02-20T10:00:00Z"), &risky())
            .expect("risky enough");
        let v = serde_json::to_value(&a).expect("serialises");
        let mut keys: Vec<&str> = v
            .as_object()
            .expect("object")
            .keys()
            .map(|k| k.as_str())
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "customer",
                "id",
                "kind",
                "magnitude",
                "merchant",
                "opened_at",
                "playbook",
                "reasons",
                "severity",
                "status"
            ]
        );
        assert_eq!(v["kind"], "customer_risk");
        assert_eq!(v["status"], "open");
        assert_eq!(v["opened_at"], "2026-02-20T10:00:00Z");
        assert!(v["playbook"][0]["step_zh"].is_string());
        assert!(v["playbook"][0]["due_days"].is_u64());
        let back: Alert = serde_json::from_value(v).expect("round trip");
        assert_eq!(back, a);
    }

    #[test]
    fn one_customer_alert_per_thirty_days() {
        let r = risky();
        let mk = |c: &str, t: &str| customer_risk_alert("m", c, ts(t), &r).expect("alert");
        let alerts = vec![
            mk("c1", "2026-03-02T00:00:00Z"), // 30 days after 01-31: kept
            mk("c1", "2026-03-01T00:00:00Z"), // 29 days after 01-31: dropped
            mk("c1", "2026-01-01T00:00:00Z"),
            mk("c1", "2026-01-20T00:00:00Z"), // 19 days after the first: dropped
            mk("c1", "2026-01-31T00:00:00Z"), // 30 days after the first: kept
            mk("c2", "2026-01-02T00:00:00Z"),
            mk("c1", "2026-01-01T00:00:00Z"), // exact duplicate
        ];
        let mut rev = alerts.clone();
        rev.reverse();
        let kept = dedup(alerts);
        assert_eq!(kept, dedup(rev), "order independent");
        let c1: Vec<String> = kept
            .iter()
            .filter(|a| a.customer.as_deref() == Some("c1"))
            .map(|a| a.opened_at.to_string())
            .collect();
        assert_eq!(
            c1,
            [
                "2026-01-01T00:00:00Z",
                "2026-01-31T00:00:00Z",
                "2026-03-02T00:00:00Z"
            ]
        );
        assert_eq!(kept.len(), 4);
    }

    #[test]
    fn severities_and_playbooks() {
        assert_eq!(risk_severity(0.85), Severity::High);
        assert_eq!(risk_severity(0.8), Severity::Medium);
        assert_eq!(risk_severity(0.7), Severity::Low);
        assert_eq!(
            crisis_severity("complaints:quality", 3.5, 6.0),
            Severity::High
        );
        assert_eq!(
            crisis_severity("complaints:quality", 3.5, 2.0),
            Severity::Medium
        );
        assert_eq!(
            crisis_severity("complaints:quality", 1.6, 3.0),
            Severity::Low
        );
        assert_eq!(
            crisis_severity("delivery_overdue", 1.6, 3.0),
            Severity::Medium
        );
        assert_eq!(customer_playbook(Severity::Low).len(), 2);
        assert_eq!(customer_playbook(Severity::High).len(), 3);
        assert!(
            crisis_playbook("delivery_late", Severity::High)[0]
                .step_zh
                .contains("delivery_late")
        );
        assert_eq!(
            end_of_day_utc(jiff::civil::date(2026, 2, 17)).to_string(),
            "2026-02-18T00:00:00Z"
        );
    }
}
