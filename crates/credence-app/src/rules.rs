//! The evidence rules: the defaults, or a TOML file of them (any part; the rest keeps
//! its default — docs/trust-model.md), validated before use.

use std::path::{Path, PathBuf};

use credence_engine::Rules;

/// A rules file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RulesFileError {
    /// The file cannot be read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not TOML of the rules' shape.
    #[error("{}: invalid rules", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// What the TOML parser says.
        #[source]
        source: toml::de::Error,
    },
    /// The rules parse but make no sense (a negative half-life, thresholds out of order…).
    #[error("{}: invalid rules", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What the engine refused.
        #[source]
        source: credence_engine::RulesError,
    },
}

/// The evidence rules: the defaults without a file, else those of `path` (validated).
pub fn load_rules(path: Option<&Path>) -> Result<Rules, RulesFileError> {
    let Some(path) = path else {
        return Ok(Rules::default());
    };
    let text = std::fs::read_to_string(path).map_err(|source| RulesFileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let rules: Rules = toml::from_str(&text).map_err(|source| RulesFileError::Parse {
        path: path.to_path_buf(),
        source,
    })?;
    rules.validate().map_err(|source| RulesFileError::Invalid {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(rules)
}
