//! Scripted customers with fixed ids that exist at every size, and each merchant's
//! public events (site signals, public commitments and their results).
//!
//! Days are counted from the first local midnight of the data (`day 0`; 2025-01-01 with
//! the default start). docs/demo.md lists the same ids and dates.

use crate::clock::{DAY, HOUR, month_start};
use crate::text::{Bucket, Topic};
use crate::timeline::{Body, Fate, Timeline};

/// The day (from day 0) on which the tea shop's deliveries start slipping.
pub const CRISIS_DAY: i64 = 410;

/// Fixed ids of the scenario customers (see docs/demo.md).
pub mod ids {
    /// m-tea: ordered monthly for 18 months, always on time (VIP orders ship first even
    /// in the crisis), NPS 9–10 every quarter, refers [`TEA_REFERRED`] on day 190.
    pub const TEA_PROMOTER: &str = "c-tea-promoter-001";
    /// m-tea: referred by [`TEA_PROMOTER`]; first visit on day 195.
    pub const TEA_REFERRED: &str = "c-tea-referred-001";
    /// m-tea: a happy regular until the crisis; then a late delivery (day 415), a lost
    /// order with an unanswered ticket (day 440), another late one (day 480), delivery
    /// complaints and 1–2 star reviews. Still a customer at the end: at risk.
    pub const TEA_CRISIS_1: &str = "c-tea-crisis-001";
    /// m-tea: a regular hit twice by late deliveries in the crisis who leaves with a
    /// `churn` event on day 470.
    pub const TEA_CRISIS_2: &str = "c-tea-crisis-002";
    /// m-tea: gets a damaged parcel on day 300 (before the crisis), complains, and the
    /// shop answers within the SLA, apologises, sends a voucher and a replacement and
    /// resolves the ticket: NPS 8 before, 10 after, a 5-star review (recovery paradox).
    pub const TEA_RECOVERED: &str = "c-tea-recovered-001";
    /// m-tea: two orders in January–February 2025 and nothing after day 53: silent for
    /// more than 365 days at the end, so `ended`.
    pub const TEA_SILENT: &str = "c-tea-silent-001";
    /// m-electro: ordered monthly for 17 months, NPS 9–10, refers [`ELECTRO_REFERRED`].
    pub const ELECTRO_PROMOTER: &str = "c-electro-promoter-001";
    /// m-electro: referred by [`ELECTRO_PROMOTER`] on day 250; first order day 258.
    pub const ELECTRO_REFERRED: &str = "c-electro-referred-001";
    /// m-electro: damaged laptop on day 200, ticket answered within the SLA, refund
    /// completed early, a $50 voucher, CSAT 5: NPS 7 before, 9 after (recovery paradox).
    pub const ELECTRO_RECOVERED: &str = "c-electro-recovered-001";
    /// m-electro: the same failure on day 200 without recovery (late reply, ticket closed
    /// unresolved, refund rejected, a 1-star review), then a `churn` event on day 228.
    pub const ELECTRO_CHURNED: &str = "c-electro-churned-001";
    /// m-bank: a customer for 18 months, weekly logins, tickets answered within the
    /// 1-hour SLA, NPS 9–10 every quarter, refers [`BANK_REFERRED`].
    pub const BANK_PROMOTER: &str = "c-bank-promoter-001";
    /// m-bank: referred by [`BANK_PROMOTER`] on day 140; first login day 150.
    pub const BANK_REFERRED: &str = "c-bank-referred-001";
    /// m-bank: brand new on day 536: a visit, an order promised in 3 days, delivered on
    /// time on day 538. The same script as [`AHUA_NEW`], so only the prior differs.
    pub const BANK_NEW: &str = "c-bank-new-001";
    /// m-ahua (poor site signals): brand new on day 536, exactly the script of
    /// [`BANK_NEW`].
    pub const AHUA_NEW: &str = "c-ahua-new-001";
}

/// A scripted customer: id and script.
pub(crate) type Script = (&'static str, fn(&mut Timeline<'_>));

/// The scripted customers of a merchant (by merchant id), in generation order.
pub(crate) fn scripts(merchant: &str) -> &'static [Script] {
    match merchant {
        "m-tea" => &[
            (ids::TEA_PROMOTER, tea_promoter),
            (ids::TEA_REFERRED, tea_referred),
            (ids::TEA_CRISIS_1, tea_crisis_1),
            (ids::TEA_CRISIS_2, tea_crisis_2),
            (ids::TEA_RECOVERED, tea_recovered),
            (ids::TEA_SILENT, tea_silent),
        ],
        "m-electro" => &[
            (ids::ELECTRO_PROMOTER, electro_promoter),
            (ids::ELECTRO_REFERRED, electro_referred),
            (ids::ELECTRO_RECOVERED, electro_recovered),
            (ids::ELECTRO_CHURNED, electro_churned),
        ],
        "m-bank" => &[
            (ids::BANK_PROMOTER, bank_promoter),
            (ids::BANK_REFERRED, bank_referred),
            (ids::BANK_NEW, brand_new),
        ],
        "m-ahua" => &[(ids::AHUA_NEW, brand_new)],
        _ => &[],
    }
}

// ----- merchant-level events ------------------------------------------------------

/// Site signals and public commitments (no `customer`) of the timeline's merchant.
///
/// - m-tea: every month "ship within 48 hours", kept until the month the crisis starts,
///   broken from then on;
/// - m-bank: every month "first reply within 1 hour", always kept; and a standing
///   promise of no transfer fees through 2026 (due after the data ends: pending);
/// - m-electro: every month "30-day price match", broken in months 6 and 12;
/// - m-ahua: no public commitments.
pub(crate) fn merchant_public(tl: &mut Timeline<'_>) {
    let p = tl.p;
    let off = p.offset();
    let body = Body::new()
        .flags("signals", p.signals)
        .str("name", &format!("{} {}", p.info.name_zh, p.info.name_en));
    tl.push(tl.day(0.0, 9.0), "site_signals", body);
    let (slug, kind, zh, en): (&str, &str, &str, &str) = match p.info.id {
        "m-tea" => (
            "ship48",
            "delivery",
            "下单后 48 小时内发货",
            "orders ship within 48 hours",
        ),
        "m-bank" => (
            "reply1h",
            "response_time",
            "客服首次回复不超过 1 小时",
            "first reply within 1 hour",
        ),
        "m-electro" => (
            "pricematch",
            "price",
            "30 天内降价补差",
            "30-day price match",
        ),
        _ => return,
    };
    for k in 0..18_i64 {
        let begin = month_start(tl.day0, off, k);
        let due = month_start(tl.day0, off, k + 1) - 1;
        let (y, m, _) = crate::clock::local_date(begin, off);
        let id = format!("{}-{slug}-{y:04}-{m:02}", p.info.id);
        let terms = format!("{y}年{m}月：{zh} / {y}-{m:02}: {en}");
        let body = Body::new()
            .str("commitment", &id)
            .str("kind", kind)
            .str("terms", &terms)
            .time("due", due, off);
        tl.push(begin + 9 * HOUR, "commitment", body);
        let kept = match p.info.id {
            "m-tea" => due < tl.crisis,
            "m-electro" => k != 5 && k != 11,
            _ => true,
        };
        let body = Body::new().str("commitment", &id).bool("kept", kept);
        tl.push(due, "commitment_result", body);
    }
    if p.info.id == "m-bank" {
        let id = "m-bank-nofee-2026";
        let (y, _, _) = crate::clock::local_date(tl.day0, off);
        let due = month_start(tl.day0, off, 24) - 1;
        let body = Body::new()
            .str("commitment", id)
            .str("kind", "price")
            .str(
                "terms",
                &format!(
                    "{}年底前转账免手续费 / no transfer fees until the end of {}",
                    y + 1,
                    y + 1
                ),
            )
            .time("due", due, off);
        tl.push(tl.day(0.0, 10.0), "commitment", body);
    }
}

// ----- scripts --------------------------------------------------------------------

/// A monthly order delivered on time, with a visit before it.
fn good_order(tl: &mut Timeline<'_>, day: f64) -> crate::timeline::Order {
    let at = tl.day(day, 10.0);
    tl.engagement(at - HOUR / 2, "visit");
    tl.order_with(at, Fate::OnTime)
}

fn tea_promoter(tl: &mut Timeline<'_>) {
    tl.lang = Some("zh");
    for k in 0..18 {
        let day = 3.0 + 30.0 * k as f64;
        let o = good_order(tl, day);
        let got = o.delivered.unwrap_or(o.promised);
        if k % 3 == 1 {
            tl.review_with(got + 3 * HOUR, Bucket::Great, Some(&o.id), None);
        }
        if k % 3 == 2 {
            tl.survey(got + 3 * DAY, "nps", Some(if k % 2 == 0 { 10 } else { 9 }));
        }
    }
    tl.referral(
        tl.day(190.0, 20.0),
        ids::TEA_REFERRED.to_owned(),
        tl.day(195.0, 9.0),
    );
    tl.referrals.clear(); // the referred customer is scripted
}

fn tea_referred(tl: &mut Timeline<'_>) {
    tl.lang = Some("zh");
    tl.engagement(tl.day(195.0, 9.0), "visit");
    for day in [195.0, 240.0, 300.0, 350.0] {
        let o = tl.order_with(tl.day(day, 9.5), Fate::OnTime);
        if day == 240.0 {
            let got = o.delivered.unwrap_or(o.promised);
            tl.review_with(got + 5 * HOUR, Bucket::Good, Some(&o.id), None);
        }
    }
}

fn tea_crisis_1(tl: &mut Timeline<'_>) {
    tl.lang = Some("zh");
    let mut day = 20.0;
    while day < 400.0 {
        let o = good_order(tl, day);
        if (day as i64) % 3 == 0 {
            let got = o.delivered.unwrap_or(o.promised);
            tl.review_with(got + 4 * HOUR, Bucket::Great, Some(&o.id), None);
        }
        day += 28.0;
    }
    tl.survey(tl.day(200.0, 20.0), "nps", Some(9));
    // The crisis: late, lost, late.
    let o = tl.order_with(tl.day(415.0, 10.0), Fate::Late(3.5));
    let got = o.delivered.unwrap_or(o.promised);
    tl.complaint(got - 6 * HOUR, Topic::Delivery, 2);
    tl.review_text(
        got + 2 * HOUR,
        2,
        "物流太慢了，等了一个星期",
        Some("zh"),
        Some(&o.id),
        None,
    );
    let o = tl.order_with(tl.day(440.0, 10.0), Fate::Lost);
    let t = tl.ticket_with(o.promised + DAY, Some(Topic::Delivery), false, false);
    tl.complaint(o.promised + DAY + 2 * HOUR, Topic::Delivery, 3);
    tl.refund_with(o.promised + 2 * DAY, &o, Some(false));
    tl.review_text(
        t.done + 3 * HOUR,
        1,
        "下单半个月了还没收到，客服也不回",
        Some("zh"),
        Some(&o.id),
        None,
    );
    tl.survey(tl.day(470.0, 20.0), "nps", Some(3));
    let o = tl.order_with(tl.day(480.0, 10.0), Fate::Late(5.0));
    let got = o.delivered.unwrap_or(o.promised);
    tl.review_text(
        got + 2 * HOUR,
        1,
        "最近发货越来越慢了，以前不是这样的",
        Some("zh"),
        Some(&o.id),
        None,
    );
}

fn tea_crisis_2(tl: &mut Timeline<'_>) {
    tl.lang = Some("zh");
    let mut day = 60.0;
    while day < 400.0 {
        good_order(tl, day);
        day += 35.0;
    }
    let o = tl.order_with(tl.day(420.0, 11.0), Fate::Late(4.0));
    let got = o.delivered.unwrap_or(o.promised);
    tl.complaint(got - 12 * HOUR, Topic::Delivery, 2);
    let o = tl.order_with(tl.day(450.0, 11.0), Fate::Late(6.0));
    let got = o.delivered.unwrap_or(o.promised);
    tl.review_text(
        got + HOUR,
        1,
        "说好三天到，结果等了一周，失望",
        Some("zh"),
        Some(&o.id),
        Some(false),
    );
    tl.push(
        tl.day(470.0, 21.0),
        "churn",
        Body::new().str("reason", "物流太慢，换了一家店"),
    );
}

fn tea_recovered(tl: &mut Timeline<'_>) {
    tl.lang = Some("zh");
    let mut day = 40.0;
    while day < 300.0 {
        good_order(tl, day);
        day += 30.0;
    }
    tl.survey(tl.day(150.0, 20.0), "nps", Some(8));
    let o = tl.order_with(tl.day(300.0, 10.0), Fate::Defect("damaged"));
    let got = o.delivered.unwrap_or(o.promised);
    tl.complaint(got + HOUR, Topic::Quality, 2);
    let t = tl.ticket_with(got + 90 * 60, Some(Topic::Quality), true, true);
    tl.compensation(got + 4 * HOUR, "apology", None, ("ticket", &t.id));
    tl.compensation(
        got + 4 * HOUR + 60,
        "voucher",
        Some(30.0),
        ("ticket", &t.id),
    );
    tl.compensation(got + 5 * HOUR, "replacement", None, ("order", &o.id));
    tl.survey(t.done + 2 * HOUR, "csat", Some(5));
    tl.review_text(
        t.done + 5 * HOUR,
        5,
        "茶叶到的时候包装破了，但是客服马上道歉还补发了，很暖心",
        Some("zh"),
        Some(&o.id),
        None,
    );
    tl.survey(tl.day(330.0, 20.0), "nps", Some(10));
    for day in [335.0, 365.0, 395.0] {
        good_order(tl, day);
    }
}

fn tea_silent(tl: &mut Timeline<'_>) {
    tl.lang = Some("zh");
    tl.order_with(tl.day(8.0, 15.0), Fate::OnTime);
    let o = tl.order_with(tl.day(50.0, 15.0), Fate::OnTime);
    tl.review_text(
        tl.day(53.0, 21.0),
        4,
        "茶叶不错，性价比挺高",
        Some("zh"),
        Some(&o.id),
        None,
    );
}

fn electro_promoter(tl: &mut Timeline<'_>) {
    tl.lang = Some("en");
    for k in 0..17 {
        let day = 10.0 + 30.0 * k as f64;
        let o = good_order(tl, day);
        let got = o.delivered.unwrap_or(o.promised);
        if k % 4 == 1 {
            tl.review_with(got + 6 * HOUR, Bucket::Great, Some(&o.id), None);
        }
        if k % 3 == 2 {
            tl.survey(got + 2 * DAY, "nps", Some(if k % 2 == 0 { 10 } else { 9 }));
        }
    }
    tl.referral(
        tl.day(250.0, 19.0),
        ids::ELECTRO_REFERRED.to_owned(),
        tl.day(258.0, 9.0),
    );
    tl.referrals.clear();
}

fn electro_referred(tl: &mut Timeline<'_>) {
    tl.lang = Some("en");
    for day in [258.0, 320.0, 400.0, 480.0] {
        good_order(tl, day);
    }
    tl.survey(tl.day(410.0, 12.0), "nps", Some(8));
}

/// Three good orders, NPS 7, then a damaged laptop on day 200.
fn electro_before_failure(tl: &mut Timeline<'_>) -> crate::timeline::Order {
    tl.lang = Some("en");
    for day in [30.0, 90.0, 150.0] {
        good_order(tl, day);
    }
    tl.survey(tl.day(160.0, 18.0), "nps", Some(7));
    tl.order_with(tl.day(200.0, 14.0), Fate::Defect("damaged"))
}

fn electro_recovered(tl: &mut Timeline<'_>) {
    let o = electro_before_failure(tl);
    let got = o.delivered.unwrap_or(o.promised);
    let t = tl.ticket_with(got + 2 * HOUR, Some(Topic::Quality), true, true);
    tl.refund_with(got + 3 * HOUR, &o, Some(true));
    tl.compensation(got + 5 * HOUR, "voucher", Some(50.0), ("ticket", &t.id));
    tl.survey(t.done + HOUR, "csat", Some(5));
    tl.survey(t.done + HOUR + 60, "ces", Some(2));
    tl.review_text(
        t.done + 4 * HOUR,
        5,
        "Arrived damaged but support replaced it within two days — impressed",
        Some("en"),
        Some(&o.id),
        None,
    );
    tl.survey(tl.day(230.0, 18.0), "nps", Some(9));
    for day in [260.0, 330.0, 420.0, 500.0] {
        good_order(tl, day);
    }
}

fn electro_churned(tl: &mut Timeline<'_>) {
    let o = electro_before_failure(tl);
    let got = o.delivered.unwrap_or(o.promised);
    let t = tl.ticket_with(got + 2 * HOUR, Some(Topic::Quality), false, false);
    tl.refund_with(got + 3 * HOUR, &o, None);
    tl.complaint(got + 30 * HOUR, Topic::Quality, 3);
    tl.complaint(got + 80 * HOUR, Topic::Policy, 2);
    tl.review_text(
        t.done + 4 * HOUR,
        1,
        "Arrived damaged and support never answered",
        Some("en"),
        Some(&o.id),
        Some(false),
    );
    tl.push(
        tl.day(228.0, 17.0),
        "churn",
        Body::new().str("reason", "Moved to a competitor after repeated problems"),
    );
}

fn bank_promoter(tl: &mut Timeline<'_>) {
    tl.lang = Some("zh");
    let mut day = 5.0;
    while day < 540.0 {
        tl.engagement(tl.day(day, 8.5), "login");
        day += 7.0;
    }
    tl.order_with(tl.day(20.0, 11.0), Fate::OnTime);
    for day in [100.0, 300.0] {
        let t = tl.ticket_with(tl.day(day, 14.0), None, true, true);
        tl.survey(t.done + HOUR, "csat", Some(5));
    }
    for (k, day) in [45.0, 135.0, 225.0, 315.0, 405.0, 495.0]
        .into_iter()
        .enumerate()
    {
        tl.survey(
            tl.day(day, 19.0),
            "nps",
            Some(if k % 2 == 0 { 9 } else { 10 }),
        );
    }
    tl.review_text(
        tl.day(230.0, 21.0),
        5,
        "手机银行很好用，客服一小时内就回复了",
        Some("zh"),
        None,
        None,
    );
    tl.referral(
        tl.day(140.0, 20.0),
        ids::BANK_REFERRED.to_owned(),
        tl.day(150.0, 9.0),
    );
    tl.referrals.clear();
}

fn bank_referred(tl: &mut Timeline<'_>) {
    tl.lang = Some("en");
    tl.engagement(tl.day(150.0, 9.0), "open");
    let mut day = 157.0;
    while day < 540.0 {
        tl.engagement(tl.day(day, 12.0), "login");
        day += 14.0;
    }
    tl.order_with(tl.day(151.0, 10.0), Fate::OnTime);
    tl.survey(tl.day(300.0, 19.0), "nps", Some(9));
}

/// The same first contact for a new customer of any merchant: a visit, an order
/// promised 3 days later (18:00 on day 539), delivered in good condition on day 538.
fn brand_new(tl: &mut Timeline<'_>) {
    tl.lang = Some("zh");
    tl.engagement(tl.day(536.0, 10.0), "visit");
    let at = tl.day(536.0, 10.3);
    let id = {
        tl.ctr.order += 1;
        format!("o-{}-{:06}", tl.p.short, tl.ctr.order)
    };
    let promised = tl.day(539.0, 18.0);
    let off = tl.p.offset();
    tl.push(
        at,
        "order",
        Body::new()
            .str("order", &id)
            .money("amount", 99.0)
            .str("currency", "CNY")
            .time("promised_by", promised, off),
    );
    tl.push(
        tl.day(538.0, 15.0),
        "delivery",
        Body::new().str("order", &id).str("condition", "ok"),
    );
}
