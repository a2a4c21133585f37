//! Where the store is ([`DbLocation`]: a SQLite file or a PostgreSQL URL) and opening
//! it ([`open_store`]) as the `Box<dyn Store>` the CLI and the server hold.

use std::path::PathBuf;

use credence_store::{SqliteStore, Store, StoreError};

/// Where the store is: a SQLite file or a PostgreSQL database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbLocation {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL (`postgres://` or `postgresql://`).
    Postgres(String),
}

impl std::str::FromStr for DbLocation {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(
            if s.starts_with("postgres://") || s.starts_with("postgresql://") {
                DbLocation::Postgres(s.to_string())
            } else {
                DbLocation::Sqlite(PathBuf::from(s))
            },
        )
    }
}

impl DbLocation {
    /// A file kept beside the store, named `<store><suffix>`: next to the SQLite file, or
    /// `credence-<database><suffix>` in the current directory for PostgreSQL.
    pub fn sidecar(&self, suffix: &str) -> PathBuf {
        let mut name = match self {
            DbLocation::Sqlite(path) => path.clone().into_os_string(),
            DbLocation::Postgres(url) => format!("credence-{}", postgres_database(url)).into(),
        };
        name.push(suffix);
        PathBuf::from(name)
    }

    /// A short name for the store, for log origins: the file stem or the database name.
    pub fn stem(&self) -> String {
        match self {
            DbLocation::Sqlite(path) => path
                .file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_default(),
            DbLocation::Postgres(url) => postgres_database(url),
        }
    }
}

/// Shown to people: the path, or the URL without its password.
impl std::fmt::Display for DbLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DbLocation::Sqlite(path) => write!(f, "{}", path.display()),
            DbLocation::Postgres(url) => f.write_str(&redact_password(url)),
        }
    }
}

/// Serialised as it is shown (the password redacted).
impl serde::Serialize for DbLocation {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The database name of a PostgreSQL URL (`postgres` when it names none).
fn postgres_database(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let path = rest.split_once('/').map_or("", |(_, p)| p);
    let name = path.split(['?', '#']).next().unwrap_or("");
    if name.is_empty() {
        "postgres".to_string()
    } else {
        name.to_string()
    }
}

fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return url.to_string();
    };
    let user = userinfo.split(':').next().unwrap_or("");
    let sep = if rest.contains('/') { "/" } else { "" };
    if userinfo.contains(':') {
        format!("{scheme}://{user}:***@{host}{sep}{path}")
    } else {
        url.to_string()
    }
}

/// A store that cannot be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
#[error("cannot open the store {location}")]
pub struct OpenError {
    /// The store, as shown to people (no password).
    pub location: String,
    /// Why.
    #[source]
    pub source: StoreError,
}

/// Opens (creating or migrating) the store at `db`.
pub fn open_store(db: &DbLocation) -> Result<Box<dyn Store>, OpenError> {
    let fail = |source| OpenError {
        location: db.to_string(),
        source,
    };
    match db {
        DbLocation::Sqlite(path) => Ok(Box::new(SqliteStore::open(path).map_err(fail)?)),
        DbLocation::Postgres(url) => Ok(Box::new(
            credence_store_postgres::PostgresStore::connect(url).map_err(fail)?,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn db_locations() {
        let pg: DbLocation = "postgres://u:secret@127.0.0.1:5432/test?sslmode=disable"
            .parse()
            .unwrap_or_else(|e| match e {});
        assert_eq!(
            pg.to_string(),
            "postgres://u:***@127.0.0.1:5432/test?sslmode=disable"
        );
        assert_eq!(pg.stem(), "test");
        assert_eq!(
            pg.sidecar(".ledger.key"),
            PathBuf::from("credence-test.ledger.key")
        );
        let file: DbLocation = "data/shop.db".parse().unwrap_or_else(|e| match e {});
        assert_eq!(file.stem(), "shop");
        assert_eq!(
            file.sidecar(".ledger.key"),
            PathBuf::from("data/shop.db.ledger.key")
        );
        let bare: DbLocation = "postgresql://localhost"
            .parse()
            .unwrap_or_else(|e| match e {});
        assert_eq!(bare.stem(), "postgres");
        assert_eq!(bare.to_string(), "postgresql://localhost");
    }
}
