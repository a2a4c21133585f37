//! [`LedgerStore`] on PostgreSQL: origin, leaves, secrets, checkpoints, the audit's
//! scans, and erasure (under the write lock, in one transaction).

use credence_ledger::{Hash, Tombstone};
use credence_store::ledger::{Erasure, LOGGED_TYPES, LedgerRecord, LedgerStore, anonymize};
use credence_store::{StoreError, ledger::LoggedEventVisitor};

use crate::{LOCK_WRITE, PostgresStore, col, erasure_epoch, lock, parse_stored, pg, secret_bytes};

impl LedgerStore for PostgresStore {
    fn ledger_origin(&self) -> Result<Option<String>, StoreError> {
        const OP: &str = "ledger_origin";
        let row = self.with(OP, |c| {
            c.query_opt("SELECT value FROM ledger_meta WHERE key = 'origin'", &[])
        })?;
        row.map(|r| col(&r, 0, OP)).transpose()
    }

    fn init_ledger_origin(&mut self, origin: &str) -> Result<String, StoreError> {
        const OP: &str = "init_ledger_origin";
        self.with(OP, |c| {
            c.execute(
                "INSERT INTO ledger_meta (key, value) VALUES ('origin', $1)
                 ON CONFLICT (key) DO NOTHING",
                &[&origin],
            )
        })?;
        self.ledger_origin()?.ok_or_else(|| StoreError::Corrupt {
            id: "ledger origin".into(),
            reason: "set, then not found".into(),
        })
    }

    fn erasures(&self) -> Result<u64, StoreError> {
        let n = self.with("erasures", |c| erasure_epoch(&mut c.client))?;
        Ok(n.max(0) as u64)
    }

    fn ledger_size(&self) -> Result<u64, StoreError> {
        self.with("ledger_size", |c| crate::ledger_size(&mut c.client))
    }

    fn ledger_leaf(&self, index: u64) -> Result<Option<Vec<u8>>, StoreError> {
        const OP: &str = "ledger_leaf";
        let Ok(index) = i64::try_from(index) else {
            return Ok(None);
        };
        let row = self.with(OP, |c| {
            c.query_opt("SELECT leaf FROM ledger_leaves WHERE idx = $1", &[&index])
        })?;
        row.map(|r| col(&r, 0, OP)).transpose()
    }

    fn ledger_index(&self, event_id: &str) -> Result<Option<u64>, StoreError> {
        Ok(self.event_ledger_index(event_id)?.flatten())
    }

    fn event_ledger_index(&self, event_id: &str) -> Result<Option<Option<u64>>, StoreError> {
        const OP: &str = "event_ledger_index";
        let row = self.with(OP, |c| {
            c.query_opt("SELECT ledger_idx FROM events WHERE id = $1", &[&event_id])
        })?;
        row.map(|r| col::<Option<i64>>(&r, 0, OP).map(|i| i.map(|i| i as u64)))
            .transpose()
    }

    fn event_raw(&self, event_id: &str) -> Result<Option<String>, StoreError> {
        const OP: &str = "event_raw";
        let row = self.with(OP, |c| {
            c.query_opt("SELECT raw FROM events WHERE id = $1", &[&event_id])
        })?;
        row.map(|r| col(&r, 0, OP)).transpose()
    }

    fn customer_secret(
        &self,
        merchant: &str,
        customer: &str,
    ) -> Result<Option<[u8; 32]>, StoreError> {
        const OP: &str = "customer_secret";
        let row = self.with(OP, |c| {
            c.query_opt(
                "SELECT secret FROM ledger_secrets WHERE merchant = $1 AND customer = $2",
                &[&merchant, &customer],
            )
        })?;
        row.map(|r| secret_bytes(merchant, customer, col(&r, 0, OP)?))
            .transpose()
    }

    fn add_checkpoint(&mut self, size: u64, note: &str) -> Result<(), StoreError> {
        let size = i64::try_from(size).map_err(|_| StoreError::Ledger {
            event: String::new(),
            reason: format!("checkpoint size {size} is too large"),
        })?;
        self.with("add_checkpoint", |c| {
            c.execute(
                "INSERT INTO ledger_checkpoints (size, note) VALUES ($1, $2)
                 ON CONFLICT (size) DO NOTHING",
                &[&size, &note],
            )
        })?;
        Ok(())
    }

    fn checkpoints(&self) -> Result<Vec<(u64, String)>, StoreError> {
        const OP: &str = "checkpoints";
        let rows = self.with(OP, |c| {
            c.query(
                "SELECT size, note FROM ledger_checkpoints ORDER BY size",
                &[],
            )
        })?;
        rows.iter()
            .map(|r| Ok((col::<i64>(r, 0, OP)? as u64, col(r, 1, OP)?)))
            .collect()
    }

    fn scan_ledger(
        &self,
        visit: &mut dyn FnMut(LedgerRecord) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        const OP: &str = "scan_ledger";
        self.stream(
            OP,
            "SELECT l.idx, l.leaf, t.tombstone FROM ledger_leaves l
             LEFT JOIN ledger_tombstones t ON t.idx = l.idx ORDER BY l.idx",
            &[],
            &mut |row| {
                visit(LedgerRecord {
                    index: col::<i64>(row, 0, OP)? as u64,
                    leaf: col(row, 1, OP)?,
                    tombstone: col(row, 2, OP)?,
                })
            },
        )
    }

    fn scan_logged_events(&self, visit: &mut LoggedEventVisitor<'_>) -> Result<(), StoreError> {
        const OP: &str = "scan_logged_events";
        let types: Vec<&str> = LOGGED_TYPES.to_vec();
        self.stream(
            OP,
            "SELECT id, type, ledger_idx FROM events WHERE type = ANY($1) ORDER BY seq",
            &[&types],
            &mut |row| {
                let idx: Option<i64> = col(row, 2, OP)?;
                visit(col(row, 0, OP)?, col(row, 1, OP)?, idx.map(|i| i as u64))
            },
        )
    }

    fn erase_customer(
        &mut self,
        customer: &str,
        merchant: Option<&str>,
    ) -> Result<Erasure, StoreError> {
        const OP: &str = "erase_customer";
        let conn = self
            .conn
            .get_mut()
            .as_mut()
            .ok_or_else(|| crate::closed(OP))?;
        let mut tx = conn.client.transaction().map_err(pg(OP))?;
        lock(&mut tx, LOCK_WRITE).map_err(pg("erase_customer: taking the write lock"))?;
        let mut erasure = Erasure {
            customer: customer.to_string(),
            ..Erasure::default()
        };
        let merchants: Vec<String> = tx
            .query(
                "SELECT DISTINCT merchant FROM events
                   WHERE customer = $1 AND ($2::text IS NULL OR merchant = $2)
                 UNION SELECT merchant FROM ledger_secrets
                   WHERE customer = $1 AND ($2::text IS NULL OR merchant = $2)
                 ORDER BY 1",
                &[&customer, &merchant],
            )
            .map_err(pg("erase_customer: finding merchants"))?
            .iter()
            .map(|r| col(r, 0, OP))
            .collect::<Result<_, _>>()?;
        for m in merchants {
            let pseudonym = format!(
                "erased-{}",
                Hash(rand::random()).to_hex().get(..32).unwrap_or_default()
            );
            let rows = tx
                .query(
                    "SELECT seq, id, raw, ledger_idx FROM events
                     WHERE merchant = $1 AND (customer = $2 OR type = 'referral') ORDER BY seq",
                    &[&m, &customer],
                )
                .map_err(pg("erase_customer: reading events"))?;
            for row in &rows {
                let seq: i64 = col(row, 0, OP)?;
                let id: String = col(row, 1, OP)?;
                let idx: Option<i64> = col(row, 3, OP)?;
                let stored = parse_stored(seq, &id, col(row, 2, OP)?)?;
                let anon = anonymize(&stored.event, customer, &pseudonym);
                if anon == stored.event && stored.event.customer.as_deref() != Some(customer) {
                    continue; // a referral of someone else
                }
                tx.execute(
                    "UPDATE events SET customer = $1, raw = $2 WHERE seq = $3",
                    &[&anon.customer, &anon.to_json().to_string(), &seq],
                )
                .map_err(pg("erase_customer: rewriting an event"))?;
                erasure.events += 1;
                // The cached text analysis quotes the customer's words.
                tx.execute("DELETE FROM text_analysis WHERE event_id = $1", &[&id])
                    .map_err(pg("erase_customer: dropping text analyses"))?;
                if let Some(idx) = idx {
                    let leaf: Option<Vec<u8>> = tx
                        .query_opt("SELECT leaf FROM ledger_leaves WHERE idx = $1", &[&idx])
                        .map_err(pg("erase_customer: reading a leaf"))?
                        .map(|r| col(&r, 0, OP))
                        .transpose()?;
                    let Some(leaf) = leaf else {
                        return Err(StoreError::Ledger {
                            event: id,
                            reason: format!(
                                "log entry {idx} is missing: run credence ledger audit"
                            ),
                        });
                    };
                    let t = Tombstone::for_leaf(&leaf).and_then(|t| t.encode())?;
                    erasure.tombstones += tx
                        .execute(
                            "INSERT INTO ledger_tombstones (idx, tombstone) VALUES ($1, $2)
                             ON CONFLICT (idx) DO NOTHING",
                            &[&idx, &t],
                        )
                        .map_err(pg("erase_customer: recording a tombstone"))?;
                }
            }
            erasure.secrets += tx
                .execute(
                    "DELETE FROM ledger_secrets WHERE merchant = $1 AND customer = $2",
                    &[&m, &customer],
                )
                .map_err(pg("erase_customer: destroying the secret"))?;
            erasure.merchants.push((m, pseudonym));
        }
        let epoch = erasure_epoch(&mut tx).map_err(pg("erase_customer: reading ledger_meta"))? + 1;
        tx.execute(
            "INSERT INTO ledger_meta (key, value) VALUES ('erasures', $1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&epoch.to_string()],
        )
        .map_err(pg("erase_customer: counting the erasure"))?;
        tx.commit().map_err(pg("erase_customer: commit"))?;
        self.secrets.clear();
        Ok(erasure)
    }
}
