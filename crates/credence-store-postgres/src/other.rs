//! The small stores: [`TextCache`], [`AlertStatusStore`], [`KeyStore`]. They do not
//! touch the log, so they take no lock.

use std::collections::HashMap;

use credence_store::{AlertStatusStore, ApiKeyRecord, KeyStore, StoreError, TextCache};
use postgres::Row;

use crate::{PostgresStore, col};

impl TextCache for PostgresStore {
    fn get_text_analyses(
        &self,
        model: &str,
        ids: &[&str],
        visit: &mut dyn FnMut(&str, &str),
    ) -> Result<(), StoreError> {
        const OP: &str = "get_text_analyses";
        if ids.is_empty() {
            return Ok(());
        }
        let rows = self.with(OP, |c| {
            c.query(
                "SELECT event_id, json FROM text_analysis WHERE model = $1 AND event_id = ANY($2)",
                &[&model, &ids],
            )
        })?;
        let mut found: HashMap<String, String> = HashMap::with_capacity(rows.len());
        for r in &rows {
            found.insert(col(r, 0, OP)?, col(r, 1, OP)?);
        }
        for id in ids {
            if let Some(json) = found.get(*id) {
                visit(id, json);
            }
        }
        Ok(())
    }

    fn put_text_analyses(&self, model: &str, entries: &[(&str, String)]) -> Result<(), StoreError> {
        // One row per event (the last entry wins, as if written one by one): an upsert
        // may not touch a row twice.
        let mut last: HashMap<&str, &str> = HashMap::with_capacity(entries.len());
        for (id, json) in entries {
            last.insert(id, json);
        }
        if last.is_empty() {
            return Ok(());
        }
        let (ids, jsons): (Vec<&str>, Vec<&str>) = last.into_iter().unzip();
        self.with("put_text_analyses", |c| {
            c.execute(
                "INSERT INTO text_analysis (event_id, model, json)
                 SELECT id, $1, json FROM unnest($2::text[], $3::text[]) AS u(id, json)
                 ON CONFLICT (event_id) DO UPDATE SET model = excluded.model, json = excluded.json",
                &[&model, &ids, &jsons],
            )
        })?;
        Ok(())
    }
}

impl AlertStatusStore for PostgresStore {
    fn set_alert_status(
        &mut self,
        id: &str,
        status: &str,
        at: jiff::Timestamp,
    ) -> Result<(), StoreError> {
        self.with("set_alert_status", |c| {
            c.execute(
                "INSERT INTO alert_status (id, status, at) VALUES ($1, $2, $3)
                 ON CONFLICT (id) DO UPDATE SET status = excluded.status, at = excluded.at",
                &[&id, &status, &at.as_microsecond()],
            )
        })?;
        Ok(())
    }

    fn alert_statuses(&self) -> Result<HashMap<String, String>, StoreError> {
        const OP: &str = "alert_statuses";
        let rows = self.with(OP, |c| c.query("SELECT id, status FROM alert_status", &[]))?;
        rows.iter()
            .map(|r| Ok((col(r, 0, OP)?, col(r, 1, OP)?)))
            .collect()
    }
}

impl KeyStore for PostgresStore {
    fn add_api_key(&mut self, key: &ApiKeyRecord) -> Result<(), StoreError> {
        self.with("add_api_key", |c| {
            c.execute(
                "INSERT INTO api_keys (id, hash, scopes, merchant, created_at, revoked_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    &key.id,
                    &key.hash,
                    &key.scopes.join(" "),
                    &key.merchant,
                    &key.created_at.as_microsecond(),
                    &key.revoked_at.map(|t| t.as_microsecond()),
                ],
            )
        })?;
        Ok(())
    }

    fn api_keys(&self) -> Result<Vec<ApiKeyRecord>, StoreError> {
        let rows = self.with("api_keys", |c| {
            c.query(
                "SELECT id, hash, scopes, merchant, created_at, revoked_at FROM api_keys
                 ORDER BY created_at, id",
                &[],
            )
        })?;
        rows.iter().map(api_key_row).collect()
    }

    fn api_key_by_hash(&self, hash: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
        let row = self.with("api_key_by_hash", |c| {
            c.query_opt(
                "SELECT id, hash, scopes, merchant, created_at, revoked_at FROM api_keys
                 WHERE hash = $1",
                &[&hash],
            )
        })?;
        row.as_ref().map(api_key_row).transpose()
    }

    fn revoke_api_key(&mut self, id: &str, at: jiff::Timestamp) -> Result<bool, StoreError> {
        let known = self.with("revoke_api_key", |c| {
            c.execute(
                "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1",
                &[&id, &at.as_microsecond()],
            )
        })?;
        Ok(known > 0)
    }
}

fn api_key_row(r: &Row) -> Result<ApiKeyRecord, StoreError> {
    const OP: &str = "reading an API key";
    let id: String = col(r, 0, OP)?;
    let micros = |v: i64| {
        jiff::Timestamp::from_microsecond(v).map_err(|e| StoreError::Corrupt {
            id: id.clone(),
            reason: format!("API key time: {e}"),
        })
    };
    let scopes: String = col(r, 2, OP)?;
    Ok(ApiKeyRecord {
        hash: col(r, 1, OP)?,
        scopes: scopes.split_whitespace().map(str::to_string).collect(),
        merchant: col(r, 3, OP)?,
        created_at: micros(col(r, 4, OP)?)?,
        revoked_at: col::<Option<i64>>(r, 5, OP)?.map(micros).transpose()?,
        id,
    })
}
