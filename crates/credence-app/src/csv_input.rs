//! The CSV form of events v1, for spreadsheets and exports.
//!
//! A header row names the fields; each further record is one event. An empty cell means
//! the field is absent. Cells of the numeric fields (`rating`, `score`, `severity`,
//! `sla_minutes`, `amount`) are read as numbers and of the boolean fields (`verified`,
//! `kept`) as `true`/`false`; site signals are columns `signals.https`,
//! `signals.privacy_policy`, …; every other column is text. Each record becomes a JSON
//! object and goes through exactly the validation of a JSON line, so a cell that is not
//! a number where one is needed gets the same message (and the stored line is that JSON).

use std::io::{self, BufRead};

use credence_events::Rejection;
use serde_json::{Map, Number, Value};

const INTEGER_FIELDS: &[&str] = &["rating", "score", "severity", "sla_minutes"];
const NUMBER_FIELDS: &[&str] = &["amount"];
const BOOL_FIELDS: &[&str] = &["verified", "kept"];
const SIGNALS_PREFIX: &str = "signals.";

/// Iterates the records of a CSV file as `(line, JSON text or rejection)`.
///
/// Physical lines are read here and joined while a quoted cell is open (an odd number
/// of `"` so far), so line numbers are exact and blank lines are skipped; each record's
/// text is then split into cells by the `csv` crate.
pub struct CsvLines<R> {
    input: R,
    header: Vec<String>,
    line: u64,
}

impl<R: BufRead> CsvLines<R> {
    /// Reads the header row.
    pub fn new(mut input: R) -> io::Result<Self> {
        let mut line = 0;
        let header = match next_record(&mut input, &mut line)? {
            Some((_, text)) => match split_cells(&text) {
                Ok(cells) => cells.into_iter().map(|h| h.trim().to_string()).collect(),
                Err(e) => return Err(io::Error::other(e)),
            },
            None => Vec::new(),
        };
        Ok(CsvLines {
            input,
            header,
            line,
        })
    }

    fn to_json(&self, cells: &[String]) -> Result<String, Rejection> {
        if cells.len() != self.header.len() {
            return Err(Rejection::whole(format!(
                "the record has {} cells but the header has {}: quote cells that contain commas",
                cells.len(),
                self.header.len()
            )));
        }
        let mut obj = Map::new();
        let mut signals = Map::new();
        for (name, cell) in self.header.iter().zip(cells) {
            if cell.is_empty() {
                continue;
            }
            if let Some(signal) = name.strip_prefix(SIGNALS_PREFIX) {
                signals.insert(signal.to_string(), cell_bool(cell));
            } else {
                obj.insert(name.clone(), cell_value(name, cell));
            }
        }
        if !signals.is_empty() {
            obj.insert("signals".into(), Value::Object(signals));
        }
        serde_json::to_string(&Value::Object(obj)).map_err(|e| Rejection::whole(e.to_string()))
    }
}

/// The next non-blank record: its first line number and its text (lines joined).
fn next_record(input: &mut impl BufRead, line: &mut u64) -> io::Result<Option<(u64, Vec<u8>)>> {
    let mut record = Vec::new();
    let mut first = 0;
    let mut quotes = 0usize;
    loop {
        let start = record.len();
        let n = input.read_until(b'\n', &mut record)?;
        if n == 0 {
            return Ok((!record.is_empty()).then_some((first, record)));
        }
        *line += 1;
        if start == 0 {
            first = *line;
        }
        quotes += record[start..].iter().filter(|&&b| b == b'"').count();
        if quotes % 2 == 1 {
            continue; // a quoted cell goes on over the line break
        }
        if record.iter().all(u8::is_ascii_whitespace) {
            record.clear();
            quotes = 0;
            continue;
        }
        return Ok(Some((first, record)));
    }
}

fn split_cells(text: &[u8]) -> Result<Vec<String>, csv::Error> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text);
    let mut record = csv::StringRecord::new();
    reader.read_record(&mut record)?;
    Ok(record.iter().map(str::to_string).collect())
}

fn cell_value(name: &str, cell: &str) -> Value {
    if INTEGER_FIELDS.contains(&name) || NUMBER_FIELDS.contains(&name) {
        if let Ok(i) = cell.trim().parse::<i64>() {
            return Value::Number(i.into());
        }
        if let Some(n) = cell.trim().parse::<f64>().ok().and_then(Number::from_f64) {
            return Value::Number(n);
        }
    }
    if BOOL_FIELDS.contains(&name) {
        return cell_bool(cell);
    }
    Value::String(cell.to_string())
}

fn cell_bool(cell: &str) -> Value {
    match cell.trim().to_ascii_lowercase().as_str() {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => Value::String(cell.to_string()),
    }
}

impl<R: BufRead> Iterator for CsvLines<R> {
    type Item = io::Result<(u64, Result<String, Rejection>)>;

    fn next(&mut self) -> Option<Self::Item> {
        let (line, text) = match next_record(&mut self.input, &mut self.line) {
            Ok(Some(r)) => r,
            Ok(None) => return None,
            Err(e) => return Some(Err(e)),
        };
        let result = match split_cells(&text) {
            Ok(cells) => self.to_json(&cells),
            Err(e) if matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) => Err(Rejection::whole(
                "the record is not valid UTF-8: save the file as UTF-8",
            )),
            Err(e) => Err(Rejection::whole(format!("not a valid CSV record: {e}"))),
        };
        Some(Ok((line, result)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_become_typed_json() {
        let csv = "id,type,at,merchant,customer,rating,text,verified,order\n\
                   e1,review,2026-03-04T20:00:00+08:00,m-tea,c-001,3,\"茶叶不错，但是晚到了一天\",true,\n\
                   \n\
                   e2,review,2026-03-04T20:00:00+08:00,m-tea,c-002,five,,,\n";
        let rows: Vec<_> = CsvLines::new(csv.as_bytes())
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(rows.len(), 2);
        let (line, json) = &rows[0];
        assert_eq!(*line, 2);
        let e = credence_events::parse_event(json.as_ref().unwrap()).unwrap();
        assert!(matches!(
            e.body,
            credence_events::EventBody::Review {
                rating: 3,
                verified: Some(true),
                order: None,
                ..
            }
        ));
        let (line, json) = &rows[1];
        assert_eq!(*line, 4);
        let r = credence_events::parse_event(json.as_ref().unwrap()).unwrap_err();
        assert_eq!(
            r.message,
            "field `rating` must be an integer 1–5, got \"five\""
        );
    }

    #[test]
    fn signal_columns_make_the_signals_object() {
        let csv = "id,type,at,merchant,signals.https,signals.privacy_policy\n\
                   s1,site_signals,2026-01-01T00:00:00Z,m-bank,true,false\n";
        let rows: Vec<_> = CsvLines::new(csv.as_bytes())
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        let e = credence_events::parse_event(rows[0].1.as_ref().unwrap()).unwrap();
        assert_eq!(
            e.body.known_type(),
            Some(credence_events::EventType::SiteSignals)
        );
    }

    #[test]
    fn a_short_record_is_rejected_with_a_hint() {
        let csv = "id,type,at\ne1,churn\n";
        let rows: Vec<_> = CsvLines::new(csv.as_bytes())
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        let r = rows[0].1.as_ref().unwrap_err();
        assert!(
            r.message
                .contains("the record has 2 cells but the header has 3")
        );
    }
}
