//! Versioned schema migrations, applied by [`crate::PostgresStore::connect`].
//!
//! The migrations are the numbered SQL files in `migrations/` (`0001_initial.sql`, …),
//! compiled into the binary. The version reached is the one row of `credence_schema`.
//! All pending migrations run in one transaction that first takes an advisory lock, so
//! two processes starting at once do not race: the second waits, then finds the schema
//! up to date. A database migrated by a newer credence is refused
//! ([`StoreError::SchemaTooNew`]), never touched.

use credence_store::StoreError;
use postgres::Client;

use crate::{LOCK_MIGRATE, lock, pg};

/// The migrations, in order; entry `i` takes the schema to version `i + 1`.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_initial.sql"),
    include_str!("../migrations/0002_live.sql"),
];

/// Newest schema version this build knows (the number of migrations).
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the schema of the connection's `search_path` up to [`SCHEMA_VERSION`].
pub(crate) fn migrate(client: &mut Client) -> Result<(), StoreError> {
    const OP: &str = "migrating the schema";
    let mut tx = client.transaction().map_err(pg(OP))?;
    lock(&mut tx, LOCK_MIGRATE).map_err(pg("migrating: taking the migration lock"))?;
    // Only create the version table when it is missing: a user without the right to
    // create tables can then use an up-to-date schema.
    let exists: bool = tx
        .query_one("SELECT to_regclass('credence_schema') IS NOT NULL", &[])
        .and_then(|r| r.try_get(0))
        .map_err(pg("migrating: looking for credence_schema"))?;
    if !exists {
        tx.batch_execute(
            "CREATE TABLE credence_schema (
             one     BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one), -- a single row
             version BIGINT NOT NULL
         )",
        )
        .map_err(pg("migrating: creating credence_schema"))?;
    }
    let found: i64 = match tx
        .query_opt("SELECT version FROM credence_schema", &[])
        .map_err(pg("migrating: reading the schema version"))?
    {
        Some(row) => row
            .try_get(0)
            .map_err(pg("migrating: reading the schema version"))?,
        None => 0,
    };
    if found > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    if found == SCHEMA_VERSION {
        return tx.commit().map_err(pg(OP));
    }
    for sql in MIGRATIONS.iter().skip(usize::try_from(found).unwrap_or(0)) {
        tx.batch_execute(sql)
            .map_err(pg("migrating: applying a migration"))?;
    }
    tx.execute(
        "INSERT INTO credence_schema (one, version) VALUES (TRUE, $1)
         ON CONFLICT (one) DO UPDATE SET version = excluded.version",
        &[&SCHEMA_VERSION],
    )
    .map_err(pg("migrating: recording the schema version"))?;
    tx.commit().map_err(pg(OP))
}
