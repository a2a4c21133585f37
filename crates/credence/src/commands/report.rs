//! `credence report`: the indicator system per merchant and period, with service
//! recovery, as a table, JSON, CSV or a self-contained HTML page with charts.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, anyhow};
use clap::{Args, ValueEnum};
use credence_app::report::{
    MerchantResult, Report, ReportQuery, ReportRow, compute, indicator_options, local_time,
};
use credence_app::{Evaluator, load_rules};
use credence_engine::{Rules, StageCounts};
use credence_indicators::{
    AspectSentiment, Granularity, Indicators, Period, PeriodSpec, RecoverySummary, indicators,
    summarize, trust_fields, trust_time,
};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::{Value, json};

use crate::{Global, open_store};

/// `credence report`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  credence report -m m-tea --json
  credence report --by month --tz Asia/Shanghai
  credence report --from 2026-01-01 --to 2026-03-31 --by week --csv
  credence report --html report.html")]
pub struct ReportArgs {
    /// One merchant (default: every merchant in the store).
    #[arg(long, short)]
    merchant: Option<String>,
    /// Start of the range: a date (start of that day in --tz) or an RFC 3339 time.
    /// [default: the day of the first event]
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// End of the range: a date (inclusive: up to the end of that day in --tz) or an
    /// RFC 3339 time (exclusive). [default: the day of the last event, inclusive]
    #[arg(long, value_name = "DATE")]
    to: Option<String>,
    /// Split the range into calendar months, weeks (Monday to Sunday) or days in --tz.
    #[arg(long, value_enum)]
    by: Option<ByArg>,
    /// The time zone of dates and period boundaries (IANA name, e.g. Asia/Shanghai).
    #[arg(long, default_value = "UTC", value_name = "TZ")]
    tz: String,
    /// Write the rows as CSV (one per merchant and period) instead of a table.
    #[arg(long)]
    csv: bool,
    /// Also write a self-contained HTML report with charts to FILE.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Evidence rules for the trust fields, from a TOML file (see docs/trust-model.md).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Service recovery: measure trust before and after on at most N recovered episodes
    /// per merchant (an evenly spaced sample; each costs three engine evaluations).
    /// 0 = all of them (exact, slower on large merchants).
    #[arg(long, value_name = "N", default_value_t = 100)]
    recovery_sample: usize,
    /// Leave text out: no text evidence in the trust fields and no `aspects` (by
    /// default texts are analysed once and cached in the store).
    #[arg(long)]
    no_text: bool,
}

/// A period length on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ByArg {
    /// Calendar months.
    Month,
    /// Weeks starting on Monday.
    Week,
    /// Calendar days.
    Day,
}

impl From<ByArg> for Granularity {
    fn from(b: ByArg) -> Granularity {
        match b {
            ByArg::Month => Granularity::Month,
            ByArg::Week => Granularity::Week,
            ByArg::Day => Granularity::Day,
        }
    }
}

/// Runs `credence report`.
pub fn run(g: &Global, args: &ReportArgs) -> Result<ExitCode> {
    let t0 = Instant::now();
    let mut query = ReportQuery::parse(
        args.merchant.clone(),
        args.from.as_deref(),
        args.to.as_deref(),
        args.by.map(Granularity::from),
        &args.tz,
    )
    .map_err(|e| anyhow!("--{} {e}", e.param))?;
    query.recovery_sample = args.recovery_sample;
    query.text = !args.no_text;
    query.rules = load_rules(args.config.as_deref())?;

    let boxed = open_store(g)?;
    let store = &*boxed;
    let report = compute(
        store,
        &query,
        !g.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr()),
    )?;
    let tz = &query.tz;

    if let Some(path) = &args.html {
        // The open alerts, as `credence alerts --status open --json` gives them.
        // (With the default rules and text, whatever --config and --no-text say.)
        let evaluator = Evaluator::new(Rules::default(), true)?
            .with_progress(std::io::IsTerminal::is_terminal(&std::io::stderr()));
        let alerts: Vec<Value> =
            credence_app::alerts::open_alerts(store, &evaluator, args.merchant.as_deref())?
                .iter()
                .map(serde_json::to_value)
                .collect::<Result<_, _>>()?;
        let page = html_page(&report, &args.tz, &alerts)?;
        std::fs::write(path, page).with_context(|| format!("cannot write {}", path.display()))?;
    }

    let mut out = std::io::stdout().lock();
    if g.json {
        // With --merchant and no --by there is one row: the one JSON object.
        for row in report.rows() {
            // A serde_json I/O error converts back to the io::Error (broken pipe is not an error).
            serde_json::to_writer(&mut out, &row).map_err(std::io::Error::from)?;
            writeln!(out)?;
        }
    } else if args.csv {
        write_csv(&mut out, &report.rows())?;
    } else {
        print_table(&mut out, &report.results, args.by.is_some(), tz)?;
        if let Some(path) = &args.html {
            writeln!(out, "\nHTML report written to {}", path.display())?;
        }
    }
    if !g.quiet && !g.json && !args.csv {
        eprintln!(
            "report: {} merchants × {} periods; loaded in {:.2} s, computed in {:.2} s, total {:.2} s",
            report.results.len(),
            report.periods,
            report.loaded.as_secs_f64(),
            report.computed.as_secs_f64(),
            t0.elapsed().as_secs_f64()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// A row as flat JSON (nested objects joined with `_`; the per-kind maps left out).
fn flat(row: &ReportRow) -> Result<Vec<(String, Value)>> {
    fn walk(prefix: &str, v: Value, out: &mut Vec<(String, Value)>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    if k == "failures_by_kind" || k == "recoveries_by_action" {
                        continue;
                    }
                    let key = if prefix.is_empty() {
                        k
                    } else {
                        format!("{prefix}_{k}")
                    };
                    walk(&key, v, out);
                }
            }
            v => out.push((prefix.to_string(), v)),
        }
    }
    let mut out = Vec::new();
    walk("", serde_json::to_value(row)?, &mut out);
    // The order of the JSON objects (a `Value` map sorts its keys): the row's own fields,
    // then the indicators as documented, then recovery.
    let rank = |k: &str| {
        CSV_ORDER
            .iter()
            .position(|p| k == *p)
            .or_else(|| {
                CSV_ORDER
                    .iter()
                    .position(|p| k.strip_prefix(p).is_some_and(|r| r.starts_with('_')))
            })
            .unwrap_or(CSV_ORDER.len())
    };
    out.sort_by_key(|(k, _)| rank(k));
    Ok(out)
}

/// Column order of `--csv` (a prefix stands for its flattened fields).
const CSV_ORDER: [&str; 30] = [
    "merchant",
    "period_start",
    "period_end",
    "nps",
    "csat",
    "ces",
    "responses",
    "nps_responses",
    "csat_responses",
    "ces_responses",
    "on_time_rate",
    "promise_kept_rate",
    "first_response_sla_rate",
    "complaint_rate",
    "refund_rate",
    "repurchase_rate",
    "retention_rate",
    "avg_rating",
    "review_count",
    "reviews",
    "orders",
    "bayes_rating",
    "negative_review_reply_rate",
    "trust_mean",
    "trust_p10",
    "stage_counts",
    "complaints",
    "promises",
    "active_customers",
    "recovery",
];

/// A CSV error as the I/O error under it, so a closed pipe is recognised as one.
fn csv_io(e: csv::Error) -> std::io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => std::io::Error::other(format!("CSV: {other:?}")),
    }
}

fn write_csv(out: &mut impl Write, rows: &[ReportRow]) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let mut header = false;
    for row in rows {
        let cells = flat(row)?;
        if !header {
            w.write_record(cells.iter().map(|c| c.0.as_str()))
                .map_err(csv_io)?;
            header = true;
        }
        w.write_record(cells.iter().map(|(_, v)| match v {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            v => v.to_string(),
        }))
        .map_err(csv_io)?;
    }
    w.flush()?;
    Ok(())
}

fn opt(v: Option<f64>, decimals: usize) -> String {
    match v {
        Some(x) => format!("{x:.decimals$}"),
        None => "—".to_string(),
    }
}

fn pct(v: Option<f64>) -> String {
    match v {
        Some(x) => format!("{:.1}%", 100.0 * x),
        None => "—".to_string(),
    }
}

/// An aspect's cell: mentions and, in brackets, the negative share.
fn aspect_cell(a: &AspectSentiment) -> String {
    match a.negative_share {
        Some(s) => format!("{} ({:.0}% neg)", a.mentions, 100.0 * s),
        None => "0".to_string(),
    }
}

/// The Chinese name of an aspect of docs/text.md (other codes as they are).
fn aspect_zh(code: &str) -> &str {
    match code {
        "reliability" => "可靠性",
        "responsiveness" => "响应速度",
        "assurance" => "专业性",
        "empathy" => "服务态度",
        "tangibles" => "包装与外观",
        "product_quality" => "产品质量",
        "price_value" => "价格与性价比",
        "delivery" => "物流配送",
        "privacy" => "隐私",
        other => other,
    }
}

/// The per-period aspect table of one merchant (`--by`): mentions in text and the
/// negative share, one column per aspect.
fn print_aspects(out: &mut impl Write, r: &MerchantResult, tz: &TimeZone) -> Result<()> {
    let Some(keys) = r
        .rows
        .first()
        .map(|x| x.1.aspects.keys().collect::<Vec<_>>())
    else {
        return Ok(());
    };
    if keys.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "  aspects in text (mentions, negative share) 文本方面（提及数，负面占比）:"
    )?;
    write!(out, "  {:<22}", "period")?;
    for k in &keys {
        write!(out, " {:>16}", k)?;
    }
    writeln!(out)?;
    for (p, i, _) in &r.rows {
        write!(
            out,
            "  {:<22}",
            format!("{} → {}", date(p.start, tz), date(p.end, tz))
        )?;
        for k in &keys {
            write!(
                out,
                " {:>16}",
                i.aspects.get(*k).map(aspect_cell).unwrap_or_default()
            )?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// The HTML section of aspects: per merchant, periods × aspects.
fn aspects_html(results: &[MerchantResult], tz: &TimeZone) -> String {
    let mut s = String::new();
    for r in results {
        let Some(keys) = r
            .rows
            .first()
            .map(|x| x.1.aspects.keys().collect::<Vec<_>>())
        else {
            continue;
        };
        if keys.is_empty() {
            continue;
        }
        s.push_str(&format!(
            "<h3>{}</h3><table class=\"rec\"><tr><th>period · 期间</th>",
            esc(&r.name)
        ));
        for k in &keys {
            s.push_str(&format!("<th>{} · {}</th>", esc(k), esc(aspect_zh(k))));
        }
        s.push_str("</tr>");
        for (p, i, _) in &r.rows {
            s.push_str(&format!(
                "<tr><td>{} → {}</td>",
                esc(&date(p.start, tz)),
                esc(&date(p.end, tz))
            ));
            for k in &keys {
                let cell = i.aspects.get(*k).map(aspect_cell).unwrap_or_default();
                s.push_str(&format!("<td>{}</td>", esc(&cell)));
            }
            s.push_str("</tr>");
        }
        s.push_str("</table>");
    }
    if s.is_empty() {
        s.push_str("<p class=\"sub\">No text analysed (or --no-text). · 无文本分析。</p>");
    }
    s
}

/// The table lines of one indicator set and its recovery: (English label, Chinese
/// label, value). The Chinese label goes at the end of the line, so double-width
/// characters do not break the columns.
fn indicator_lines(
    i: &Indicators,
    r: &RecoverySummary,
) -> Vec<(&'static str, &'static str, String)> {
    let s = &i.stage_counts;
    vec![
        ("NPS (−100..100)", "净推荐值", opt(i.nps, 1)),
        ("CSAT (% ≥ 4)", "满意度", opt(i.csat, 1)),
        ("CES (mean, 1–7)", "费力度", opt(i.ces, 2)),
        ("survey responses", "问卷数", i.responses.to_string()),
        ("on-time delivery", "准时交付率", pct(i.on_time_rate)),
        ("promises kept", "守约率", pct(i.promise_kept_rate)),
        (
            "first response in SLA",
            "首次响应达标率",
            pct(i.first_response_sla_rate),
        ),
        (
            "complaints / 100 orders",
            "每百单投诉",
            opt(i.complaint_rate, 2),
        ),
        ("refund rate", "退款率", pct(i.refund_rate)),
        ("repurchase rate", "复购率", pct(i.repurchase_rate)),
        ("retention rate", "留存率", pct(i.retention_rate)),
        ("orders", "订单数", i.orders.to_string()),
        ("reviews", "评价数", i.review_count.to_string()),
        ("average rating", "平均评分", opt(i.avg_rating, 2)),
        ("Bayesian rating", "贝叶斯评分", opt(i.bayes_rating, 2)),
        (
            "bad reviews answered ≤ 48 h",
            "差评48小时回复率",
            pct(i.negative_review_reply_rate),
        ),
        ("trust mean (0–100)", "平均信任", opt(i.trust_mean, 1)),
        ("trust p10", "信任第10百分位", opt(i.trust_p10, 1)),
        ("stage: initial", "接纳", s.initial.to_string()),
        ("stage: developing", "认同", s.developing.to_string()),
        ("stage: committed", "信赖", s.committed.to_string()),
        ("stage: at risk", "风险", s.at_risk.to_string()),
        ("stage: ended", "结束", s.ended.to_string()),
        ("recovery: failures", "补救：失误", r.failures.to_string()),
        ("recovery: episodes", "补救：事件", r.episodes.to_string()),
        ("recovery: recovered", "补救：已补救", pct(r.recovery_rate)),
        (
            "recovery: trust restored",
            "补救：信任恢复",
            pct(r.restored_rate),
        ),
        (
            "recovery: trust exceeded",
            "补救：超过原水平",
            pct(r.exceeded_rate),
        ),
        (
            "recovery: median hours",
            "补救：中位时长(小时)",
            opt(r.median_hours_to_recovery, 1),
        ),
        (
            "recovery: trust before",
            "补救前信任",
            opt(r.mean_trust_before, 1),
        ),
        (
            "recovery: trust after failure",
            "失误后信任",
            opt(r.mean_trust_after_failure, 1),
        ),
        (
            "recovery: trust after recovery",
            "补救后信任",
            opt(r.mean_trust_after_recovery, 1),
        ),
    ]
}

/// Indicators × merchants, for a report of one period.
fn print_columns(out: &mut impl Write, results: &[MerchantResult], tz: &TimeZone) -> Result<()> {
    let Some((p, _, _)) = results.first().and_then(|r| r.rows.first()) else {
        return Ok(());
    };
    writeln!(
        out,
        "{} → {}",
        local_time(p.start, tz),
        local_time(p.end, tz)
    )?;
    let width = results
        .iter()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(0)
        .max(9);
    let columns: Vec<Vec<(&str, &str, String)>> = results
        .iter()
        .map(|r| indicator_lines(&r.rows[0].1, &r.rows[0].2))
        .collect();
    write!(out, "{:<31}", "indicator")?;
    for r in results {
        write!(out, " {:>width$}", r.name)?;
    }
    writeln!(out)?;
    for (k, (en, zh, _)) in columns[0].iter().enumerate() {
        write!(out, "{en:<31}")?;
        for c in &columns {
            write!(out, " {:>width$}", c[k].2)?;
        }
        writeln!(out, "  {zh}")?;
    }
    // Aspects read in text: mentions (negative share), a block of its own.
    let width = width.max(14);
    if !results[0].rows[0].1.aspects.is_empty() {
        writeln!(
            out,
            "\naspects in text: mentions (negative share) · 文本方面：提及数（负面占比）"
        )?;
    }
    for k in results[0].rows[0].1.aspects.keys() {
        write!(out, "{:<31}", format!("text: {k}"))?;
        for r in results {
            let cell = r.rows[0].1.aspects.get(k).map(aspect_cell);
            write!(out, " {:>width$}", cell.unwrap_or_default())?;
        }
        writeln!(out, "  文本：{}", aspect_zh(k))?;
    }
    Ok(())
}

fn print_table(
    out: &mut impl Write,
    results: &[MerchantResult],
    by: bool,
    tz: &TimeZone,
) -> Result<()> {
    if !by {
        return print_columns(out, results, tz);
    }
    for r in results {
        {
            writeln!(out, "{}", r.name)?;
            writeln!(
                out,
                "  {:<22} {:>6} {:>6} {:>6} {:>7} {:>7} {:>7} {:>7} {:>7} {:>6} {:>6} {:>6}",
                "period",
                "orders",
                "NPS",
                "CSAT",
                "on-time",
                "kept",
                "compl.",
                "repurch",
                "retain",
                "rating",
                "trust",
                "p10"
            )?;
            for (p, i, _) in &r.rows {
                writeln!(
                    out,
                    "  {:<22} {:>6} {:>6} {:>6} {:>7} {:>7} {:>7} {:>7} {:>7} {:>6} {:>6} {:>6}",
                    format!("{} → {}", date(p.start, tz), date(p.end, tz)),
                    i.orders,
                    opt(i.nps, 0),
                    opt(i.csat, 0),
                    pct(i.on_time_rate),
                    pct(i.promise_kept_rate),
                    opt(i.complaint_rate, 1),
                    pct(i.repurchase_rate),
                    pct(i.retention_rate),
                    opt(i.avg_rating, 2),
                    opt(i.trust_mean, 1),
                    opt(i.trust_p10, 1)
                )?;
            }
        }
        print_aspects(out, r, tz)?;
        let rec = &summarize(&r.episodes, None);
        writeln!(out, "  service recovery 服务补救:")?;
        writeln!(
            out,
            "    {} failures in {} episodes; {} recovered ({}); trust restored {} · exceeded {} of {} measured; median time to recovery {} h",
            rec.failures,
            rec.episodes,
            rec.recovered,
            pct(rec.recovery_rate),
            pct(rec.restored_rate),
            pct(rec.exceeded_rate),
            rec.evaluated,
            opt(rec.median_hours_to_recovery, 1)
        )?;
        writeln!(
            out,
            "    trust before {} → after failure {} → after recovery {}",
            opt(rec.mean_trust_before, 1),
            opt(rec.mean_trust_after_failure, 1),
            opt(rec.mean_trust_after_recovery, 1)
        )?;
        writeln!(out)?;
    }
    Ok(())
}

/// The local date of an instant in `tz`.
fn date(t: Timestamp, tz: &TimeZone) -> String {
    t.to_zoned_datetime(tz.clone()).date().to_string()
}

// ---------------------------------------------------------------------------------
// HTML

// The dashboard's vendored uPlot, inlined so the page needs no network.
use credence_server::dashboard::{UPLOT_CSS, UPLOT_JS};

/// The indicators charted over time.
const TRENDS: [(&str, &str); 10] = [
    ("trust_mean", "Mean trust · 平均信任 (0–100)"),
    ("trust_p10", "Trust, 10th percentile · 信任P10 (0–100)"),
    ("nps", "NPS · 净推荐值 (−100..100)"),
    ("csat", "CSAT · 满意度 (% ≥ 4)"),
    ("on_time_rate", "On-time delivery · 准时交付率"),
    ("promise_kept_rate", "Promises kept · 守约率"),
    ("complaint_rate", "Complaints per 100 orders · 每百单投诉"),
    ("repurchase_rate", "Repurchase rate · 复购率"),
    ("retention_rate", "Retention rate · 留存率"),
    ("avg_rating", "Average rating · 平均评分"),
];

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn html_page(report: &Report, tz_name: &str, alerts: &[Value]) -> Result<String> {
    let Report {
        data,
        engine,
        results,
        spec,
        range,
        ..
    } = report;
    // The trend series: the report's own periods with --by, else months over the range.
    let series_periods: Vec<Period> = if spec.by.is_some() {
        results
            .first()
            .map(|r| r.rows.iter().map(|x| x.0).collect())
            .unwrap_or_default()
    } else {
        PeriodSpec {
            from: Some(range.start),
            to: Some(range.end),
            by: Some(Granularity::Month),
            tz: spec.tz.clone(),
        }
        .periods(range.start, range.end)?
    };
    let opts = indicator_options(engine.rules());
    let mut trends = serde_json::Map::new();
    let mut distribution = serde_json::Map::new();
    let mut stages = serde_json::Map::new();
    let mut recovery_json = serde_json::Map::new();
    let mut overall = serde_json::Map::new();
    for r in results {
        let rows: Vec<Indicators> = if spec.by.is_some() {
            r.rows.iter().map(|x| x.1.clone()).collect()
        } else {
            indicators(data, engine, &r.name, &series_periods, &opts)
        };
        let mut m = serde_json::Map::new();
        for (key, _) in TRENDS {
            let col: Vec<Value> = rows
                .iter()
                .map(|i| {
                    serde_json::to_value(i)
                        .ok()
                        .and_then(|v| v.get(key).cloned())
                        .unwrap_or(Value::Null)
                })
                .collect();
            m.insert(key.to_string(), Value::Array(col));
        }
        trends.insert(r.name.clone(), Value::Object(m));

        // Distribution and stages at the end of the range.
        let as_of = data.span(Some(&r.name)).map(|s| s.1).unwrap_or(range.end);
        let (_, _, counts, scores) = trust_fields(engine, &r.name, trust_time(range, as_of));
        let mut bins = [0u64; 10];
        for s in scores {
            bins[((s / 10.0).floor().clamp(0.0, 9.0)) as usize] += 1;
        }
        distribution.insert(r.name.clone(), json!(bins));
        stages.insert(r.name.clone(), serde_json::to_value(counts)?);
        let all = summarize(&r.episodes, Some(range));
        recovery_json.insert(r.name.clone(), serde_json::to_value(&all)?);
        let whole = if spec.by.is_none() {
            r.rows[0].1.clone()
        } else {
            indicators(data, engine, &r.name, std::slice::from_ref(range), &opts).remove(0)
        };
        overall.insert(r.name.clone(), serde_json::to_value(&whole)?);
    }
    let x: Vec<i64> = series_periods.iter().map(|p| p.start.as_second()).collect();
    // A period the data covers less than half of (the data stops early in it) is
    // partial: the headline figures skip it.
    let last_event = results
        .iter()
        .filter_map(|r| data.span(Some(&r.name)).map(|s| s.1))
        .max()
        .unwrap_or(range.end);
    let complete: Vec<bool> = series_periods
        .iter()
        .map(|p| {
            let covered = last_event.min(p.end).duration_since(p.start);
            covered.as_secs_f64() >= 0.5 * p.end.duration_since(p.start).as_secs_f64()
        })
        .collect();
    let labels: Vec<String> = series_periods
        .iter()
        .map(|p| date(p.start, &spec.tz))
        .collect();
    let payload = json!({
        "range": {"start": local_time(range.start, &spec.tz), "end": local_time(range.end, &spec.tz), "tz": tz_name},
        "merchants": results.iter().map(|r| r.name.clone()).collect::<Vec<_>>(),
        "series": {"x": x, "labels": labels, "complete": complete, "granularity": match spec.by { Some(Granularity::Week) => "week", Some(Granularity::Day) => "day", _ => "month" }},
        "trends": trends,
        "trend_titles": TRENDS.iter().map(|(k, t)| json!([k, t])).collect::<Vec<_>>(),
        "distribution": {"bins": ["0–10","10–20","20–30","30–40","40–50","50–60","60–70","70–80","80–90","90–100"], "by_merchant": distribution},
        "stages": stages,
        "overall": overall,
        "recovery": recovery_json,
        "alerts": alerts,
    });
    // `</` inside a script element would end it.
    let payload = serde_json::to_string(&payload)?.replace("</", "<\\/");

    let mut tables = String::new();
    for r in results {
        let whole = overall
            .get(&r.name)
            .cloned()
            .and_then(|v| serde_json::from_value::<IndicatorView>(v).ok());
        if let Some(w) = whole {
            tables.push_str(&format!("<h3>{}</h3><table class=\"ind\">", esc(&r.name)));
            for (label, v) in w.lines() {
                tables.push_str(&format!(
                    "<tr><th>{}</th><td>{}</td></tr>",
                    esc(label),
                    esc(&v)
                ));
            }
            tables.push_str("</table>");
        }
    }
    let funnel = funnel_html(results, &stages);
    let aspects = aspects_html(results, &spec.tz);

    Ok(format!(
        r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>credence — trust report · 信任报告</title>
<style>{UPLOT_CSS}</style>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", sans-serif; margin: 0 auto; max-width: 1180px; padding: 1.2rem; color: #1d2430; background: #fafbfc; }}
h1 {{ margin-bottom: .2rem; }} h2 {{ border-bottom: 2px solid #dde3ea; padding-bottom: .3rem; margin-top: 2.2rem; }}
.sub {{ color: #5b6675; margin-top: 0; }}
.grid {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(540px, 1fr)); gap: 1rem; }}
.card {{ background: #fff; border: 1px solid #e3e8ee; border-radius: 8px; padding: .6rem .8rem; }}
.card h3 {{ margin: .2rem 0 .4rem; font-size: 1rem; }}
table.ind {{ border-collapse: collapse; margin-bottom: 1rem; }} table.ind th {{ text-align: left; font-weight: normal; color: #445; padding: 2px 14px 2px 0; }} table.ind td {{ text-align: right; font-variant-numeric: tabular-nums; }}
.funnel .bar {{ height: 22px; background: #4e79a7; color: #fff; font-size: 12px; line-height: 22px; padding-left: 6px; border-radius: 3px; margin: 3px 0; white-space: nowrap; }}
.funnel .at_risk {{ background: #e15759; }} .funnel .ended {{ background: #9aa3ad; }} .funnel .committed {{ background: #59a14f; }} .funnel .developing {{ background: #76b7b2; }}
.kpis .card {{ display: flex; flex-wrap: wrap; gap: .4rem 1.4rem; }} .kpis h3 {{ width: 100%; }}
.kpi .v {{ font-size: 1.5rem; font-weight: 600; font-variant-numeric: tabular-nums; }} .kpi .l {{ color: #5b6675; font-size: .8rem; }}
.up {{ color: #2e7d32; }} .down {{ color: #c62828; }}
.todo {{ background: #fff8e1; border: 1px dashed #e0b000; padding: .8rem; border-radius: 6px; }}
.rec td, .rec th {{ padding: 3px 10px; text-align: right; }} .rec th:first-child, .rec td:first-child {{ text-align: left; }}
</style>
</head>
<body>
<h1>Customer trust report · 客户信任报告</h1>
<p class="sub" id="range"></p>

<h2>At a glance · 概览</h2>
<p class="sub">Latest complete period with data, and the change against the one before. · 最近完整一期及环比变化。</p>
<div class="grid kpis" id="kpis"></div>

<h2>Trust over time · 信任趋势</h2>
<div class="grid" id="trust-trend"></div>

<h2>Trust distribution · 信任分布</h2>
<p class="sub">Relationships not ended, at the end of the range, by trust score (0–100). · 区间末未结束的客户关系按信任分分布。</p>
<div class="grid" id="distribution"></div>

<h2>Stage funnel · 阶段漏斗</h2>
<p class="sub">initial (accept · 接纳) → developing (approve · 认同) → committed (rely · 信赖); at risk (风险) and ended (结束) apart.</p>
<div class="grid funnel">{funnel}</div>

<h2>Indicator trends · 指标趋势</h2>
<div class="grid" id="trends"></div>

<h2>Service recovery · 服务补救</h2>
<p class="sub">Failure episodes (late or broken promises, complaints, reviews ≤ 2★) and the reply, resolution or compensation that followed within 30 days; trust before the failure, just after it and after recovery. · 失误事件及其后的补救，补救前后信任变化。</p>
<div class="card"><table class="rec" id="recovery"></table></div>

<h2>Open alerts · 未处理预警</h2>
<div class="card" id="alerts">No open alerts. · 暂无未处理预警。</div>

<h2>Aspects in text · 文本方面</h2>
<p class="sub">Texts (reviews, complaints, ticket messages, survey comments) mentioning each aspect per period, and the share negative about it. · 各期提及各方面的文本数及负面占比。</p>
<div class="card">{aspects}</div>

<h2>All indicators for the range · 区间全部指标</h2>
{tables}

<p class="sub">Definitions: docs/indicators.md. Charts: uPlot (MIT), embedded — no network needed. · 图表库已内嵌，离线可看。</p>

<script id="report-data" type="application/json">{payload}</script>
<script>{UPLOT_JS}</script>
<script>

{SCRIPT}
</script>
</body>
</html>
"##
    ))
}

/// The subset of indicator fields the HTML table shows.
#[derive(serde::Deserialize)]
struct IndicatorView {
    nps: Option<f64>,
    csat: Option<f64>,
    ces: Option<f64>,
    responses: u64,
    on_time_rate: Option<f64>,
    promise_kept_rate: Option<f64>,
    first_response_sla_rate: Option<f64>,
    complaint_rate: Option<f64>,
    refund_rate: Option<f64>,
    repurchase_rate: Option<f64>,
    retention_rate: Option<f64>,
    orders: u64,
    reviews: u64,
    avg_rating: Option<f64>,
    bayes_rating: Option<f64>,
    negative_review_reply_rate: Option<f64>,
    trust_mean: Option<f64>,
    trust_p10: Option<f64>,
}

impl IndicatorView {
    fn lines(&self) -> Vec<(&'static str, String)> {
        vec![
            ("NPS · 净推荐值", opt(self.nps, 1)),
            ("CSAT · 满意度 (%)", opt(self.csat, 1)),
            ("CES · 费力度", opt(self.ces, 2)),
            ("Survey responses · 问卷数", self.responses.to_string()),
            ("On-time delivery · 准时交付", pct(self.on_time_rate)),
            ("Promises kept · 守约率", pct(self.promise_kept_rate)),
            (
                "First response in SLA · 首次响应达标",
                pct(self.first_response_sla_rate),
            ),
            (
                "Complaints / 100 orders · 投诉率",
                opt(self.complaint_rate, 2),
            ),
            ("Refund rate · 退款率", pct(self.refund_rate)),
            ("Repurchase rate · 复购率", pct(self.repurchase_rate)),
            ("Retention rate · 留存率", pct(self.retention_rate)),
            ("Orders · 订单", self.orders.to_string()),
            ("Reviews · 评价", self.reviews.to_string()),
            ("Average rating · 平均评分", opt(self.avg_rating, 2)),
            ("Bayesian rating · 贝叶斯评分", opt(self.bayes_rating, 2)),
            (
                "Bad reviews answered in 48 h · 差评48小时回复",
                pct(self.negative_review_reply_rate),
            ),
            ("Mean trust · 平均信任", opt(self.trust_mean, 1)),
            ("Trust p10 · 信任P10", opt(self.trust_p10, 1)),
        ]
    }
}

fn funnel_html(results: &[MerchantResult], stages: &serde_json::Map<String, Value>) -> String {
    let mut s = String::new();
    for r in results {
        let Some(c) = stages
            .get(&r.name)
            .and_then(|v| serde_json::from_value::<StageCounts>(v.clone()).ok())
        else {
            continue;
        };
        let total = (c.initial + c.developing + c.committed + c.at_risk + c.ended).max(1);
        s.push_str(&format!("<div class=\"card\"><h3>{}</h3>", esc(&r.name)));
        for (class, label, n) in [
            ("initial", "initial · 接纳", c.initial),
            ("developing", "developing · 认同", c.developing),
            ("committed", "committed · 信赖", c.committed),
            ("at_risk", "at risk · 风险", c.at_risk),
            ("ended", "ended · 结束", c.ended),
        ] {
            let w = 100.0 * n as f64 / total as f64;
            s.push_str(&format!(
                "<div class=\"bar {class}\" style=\"width:{:.1}%\" data-stage=\"{class}\" data-count=\"{n}\">{label}: {n}</div>",
                w.max(0.5)
            ));
        }
        s.push_str("</div>");
    }
    s
}

/// The page's script: reads the JSON payload and draws the charts and tables. (The page
/// puts a blank line before it, as it did when the script was inline.)
const SCRIPT: &str = include_str!("../../assets/report/report.js");
