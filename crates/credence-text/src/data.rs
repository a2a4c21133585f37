//! Parsers for the labelled data sets in `../shared/datasets` (pure: they take the
//! file contents; the binaries read the files).

/// One labelled text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labelled {
    /// The text.
    pub text: String,
    /// Whether it is labelled positive.
    pub positive: bool,
}

/// A malformed line in a data file.
#[derive(Debug, thiserror::Error)]
#[error("{what}: malformed line {line}")]
pub struct DataError {
    /// Which file format.
    pub what: &'static str,
    /// 1-based line number.
    pub line: usize,
}

fn label(s: &str) -> Option<bool> {
    match s.trim() {
        "1" => Some(true),
        "0" => Some(false),
        _ => None,
    }
}

/// ChnSentiCorp `train.tsv` / `dev.tsv`: a header, then `label\ttext`.
pub fn parse_chnsenticorp(s: &str) -> Result<Vec<Labelled>, DataError> {
    let mut out = Vec::new();
    for (i, line) in s.split('\n').enumerate().skip(1) {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        let err = DataError {
            what: "chnsenticorp",
            line: i + 1,
        };
        let (l, text) = line.split_once('\t').ok_or(DataError { ..err })?;
        let positive = label(l).ok_or(err)?;
        out.push(Labelled {
            text: text.to_string(),
            positive,
        });
    }
    Ok(out)
}

/// waimai_10k `waimai_10k.csv`: a header, then `label,review` (review optionally quoted,
/// `""` escaping a quote; no multi-line fields in this file).
pub fn parse_waimai(s: &str) -> Result<Vec<Labelled>, DataError> {
    let mut out = Vec::new();
    for (i, line) in s.split('\n').enumerate().skip(1) {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        let err = DataError {
            what: "waimai_10k",
            line: i + 1,
        };
        let (l, text) = line.split_once(',').ok_or(DataError { ..err })?;
        let positive = label(l).ok_or(err)?;
        let text = match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
            Some(inner) => inner.replace("\"\"", "\""),
            None => text.to_string(),
        };
        out.push(Labelled { text, positive });
    }
    Ok(out)
}

/// The waimai hold-out rule: data row `i` (0-based, header excluded) is held out for
/// tuning and evaluation when `i % 5 == 4` — a deterministic, label-stratified 20 %
/// (the file is sorted by label). Returns `(train, held_out)`.
pub fn waimai_split(rows: Vec<Labelled>) -> (Vec<Labelled>, Vec<Labelled>) {
    let mut train = Vec::with_capacity(rows.len());
    let mut held = Vec::with_capacity(rows.len() / 5 + 1);
    for (i, r) in rows.into_iter().enumerate() {
        if i % 5 == 4 {
            held.push(r)
        } else {
            train.push(r)
        }
    }
    (train, held)
}

/// UCI Sentiment Labelled Sentences (`sentence\tlabel`, no header). Lines are split on
/// `\n` only: the IMDb file contains U+0085 inside lines.
pub fn parse_uci(s: &str) -> Result<Vec<Labelled>, DataError> {
    let mut out = Vec::new();
    for (i, line) in s.split('\n').enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let err = DataError {
            what: "uci sentences",
            line: i + 1,
        };
        let (text, l) = line.rsplit_once('\t').ok_or(DataError { ..err })?;
        let positive = label(l).ok_or(err)?;
        out.push(Labelled {
            text: text.trim().to_string(),
            positive,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_three_formats() {
        let c = parse_chnsenticorp("label\ttext_a\n1\t很好\n0\t差\n").unwrap_or_default();
        assert_eq!(c.len(), 2);
        assert!(c[0].positive && !c[1].positive);
        let w = parse_waimai("label,review\n1,\"快,好吃\"\"\"\n0,慢\n").unwrap_or_default();
        assert_eq!(w[0].text, "快,好吃\"");
        let u = parse_uci("Good case.\t1\nBad\u{85} one.  \t0\n").unwrap_or_default();
        assert_eq!(u.len(), 2);
        assert!(parse_uci("no label here").is_err());
    }

    #[test]
    fn waimai_split_is_every_fifth_row() {
        let rows: Vec<_> = (0..10)
            .map(|i| Labelled {
                text: i.to_string(),
                positive: true,
            })
            .collect();
        let (t, h) = waimai_split(rows);
        assert_eq!(t.len(), 8);
        assert_eq!(
            h.iter().map(|r| r.text.as_str()).collect::<Vec<_>>(),
            vec!["4", "9"]
        );
    }
}
