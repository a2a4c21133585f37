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
pub struct CsvLines<R> {
    reader: csv::Reader<R>,
    header: Vec<String>,
    record: csv::StringRecord,
}

impl<R: BufRead> CsvLines<R> {
    /// Reads the header row.
    pub fn new(input: R) -> io::Result<Self> {
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
        let header = reader.headers().map_err(io::Error::other)?.iter().map(|h| h.trim().to_string()).collect();
        Ok(CsvLines { reader, header, record: csv::StringRecord::new() })
    }

    fn to_json(&self) -> Result<String, Rejection> {
        if self.record.len() != self.header.len() {
            return Err(Rejection::whole(format!(
                "the record has {} cells but the header has {}: quote cells that contain commas",
                self.record.len(),
                self.header.len()
            )));
        }
        let mut obj = Map::new();
        let mut signals = Map::new();
        for (name, cell) in self.header.iter().zip(self.record.iter()) {
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

fn cell_value(name: &str, cell: &str) -> Value {
    let name = name.as_ref();
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
        loop {
            match self.reader.read_record(&mut self.record) {
                Ok(false) => return None,
                Ok(true) => {
                    if self.record.iter().all(|c| c.trim().is_empty()) {
                        continue;
                    }
                    let line = self.record.position().map(|p| p.line()).unwrap_or(0);
                    return Some(Ok((line, self.to_json())));
                }
                Err(e) => {
                    let line = e.position().map(|p| p.line()).unwrap_or(0);
                    return match e.kind() {
                        csv::ErrorKind::Utf8 { .. } => Some(Ok((
                            line,
                            Err(Rejection::whole("the record is not valid UTF-8: save the file as UTF-8")),
                        ))),
                        _ => Some(Err(io::Error::other(e))),
                    };
                }
            }
        }
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
        let rows: Vec<_> = CsvLines::new(csv.as_bytes()).unwrap().map(|r| r.unwrap()).collect();
        assert_eq!(rows.len(), 2);
        let (line, json) = &rows[0];
        assert_eq!(*line, 2);
        let e = credence_events::parse_event(json.as_ref().unwrap()).unwrap();
        assert!(matches!(e.body, credence_events::EventBody::Review { rating: 3, verified: Some(true), order: None, .. }));
        let (line, json) = &rows[1];
        assert_eq!(*line, 4);
        let r = credence_events::parse_event(json.as_ref().unwrap()).unwrap_err();
        assert_eq!(r.message, "field `rating` must be an integer 1–5, got \"five\"");
    }

    #[test]
    fn signal_columns_make_the_signals_object() {
        let csv = "id,type,at,merchant,signals.https,signals.privacy_policy\n\
                   s1,site_signals,2026-01-01T00:00:00Z,m-bank,true,false\n";
        let rows: Vec<_> = CsvLines::new(csv.as_bytes()).unwrap().map(|r| r.unwrap()).collect();
        let e = credence_events::parse_event(rows[0].1.as_ref().unwrap()).unwrap();
        assert_eq!(e.body.known_type(), Some(credence_events::EventType::SiteSignals));
    }

    #[test]
    fn a_short_record_is_rejected_with_a_hint() {
        let csv = "id,type,at\ne1,churn\n";
        let rows: Vec<_> = CsvLines::new(csv.as_bytes()).unwrap().map(|r| r.unwrap()).collect();
        let r = rows[0].1.as_ref().unwrap_err();
        assert!(r.message.contains("the record has 2 cells but the header has 3"));
    }
}
