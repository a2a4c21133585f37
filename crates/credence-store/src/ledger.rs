//! The transparency ledger's storage: the [`LedgerStore`] trait every backend implements,
//! the mapping from events to leaves ([`event_leaf`]), the erasure rewrite
//! ([`anonymize`]) and the [`audit`] that checks the stored events against the log.
//!
//! Which events are logged: `commitment`, `commitment_result` and `review`
//! ([`is_logged`]), appended by [`crate::EventStore::insert_batch`] in acceptance order, in
//! the same transaction as the events. The leaf encoding (no personal data) and the tree
//! are those of `credence-ledger`; this module only decides what goes into a leaf and
//! where it is kept.

use std::collections::BTreeMap;

use credence_events::{Event, EventBody};
use credence_ledger::{
    Hash, HashReader, Leaf, LeafKind, LeafOpening, RootBuilder, Tombstone, leaf_hash, tree_root,
};
use serde::Serialize;

use crate::{EventStore, StoreError};

/// True for the event types the transparency log records.
pub fn is_logged(event: &Event) -> bool {
    matches!(
        event.body,
        EventBody::Review { .. }
            | EventBody::Commitment { .. }
            | EventBody::CommitmentResult { .. }
    )
}

/// The event types the transparency log records, as stored in the `type` column.
pub const LOGGED_TYPES: [&str; 3] = ["commitment", "commitment_result", "review"];

/// The public part of an event's leaf: kind, merchant, event id, time, and the kind's
/// value (commitment terms hash, kept flag or rating). `None` for events not logged.
pub fn public_leaf(event: &Event) -> Option<Leaf> {
    let kind = match &event.body {
        EventBody::Review { rating, .. } => LeafKind::Review { rating: *rating },
        EventBody::Commitment { terms, .. } => LeafKind::Commitment {
            terms_hash: Hash::sha256(terms.as_bytes()),
        },
        EventBody::CommitmentResult { kept, .. } => LeafKind::CommitmentResult { kept: *kept },
        _ => return None,
    };
    Some(Leaf::new(
        kind,
        &event.merchant,
        &event.id,
        event.at.as_microsecond(),
    ))
}

/// The leaf of a logged event, and the customer's opening when the event has a customer.
///
/// `secret` is the customer's secret (see [`LedgerStore::customer_secret`]); it is needed
/// exactly when the event has a customer. The text hashed into the leaf is a review's
/// text; commitments carry the hash of their terms in the public part instead.
pub fn event_leaf(
    event: &Event,
    secret: Option<&[u8]>,
) -> Result<Option<(Leaf, Option<LeafOpening>)>, StoreError> {
    let Some(leaf) = public_leaf(event) else {
        return Ok(None);
    };
    let Some(customer) = &event.customer else {
        return Ok(Some((leaf, None)));
    };
    let secret = secret.ok_or_else(|| StoreError::Ledger {
        event: event.id.clone(),
        reason: "the customer has no ledger secret (erased, or the store was edited)".into(),
    })?;
    let text = match &event.body {
        EventBody::Review { text, .. } => text.as_deref(),
        _ => None,
    };
    let (leaf, opening) = leaf.with_customer(secret, customer, text);
    Ok(Some((leaf, Some(opening))))
}

/// The event with its customer replaced by `pseudonym` and every free-text field removed
/// (review, ticket, complaint and reply texts, refund and churn reasons, survey comments,
/// engagement actions, ticket channels, a review's language) and unknown fields dropped.
/// A referral that names `customer` as the referred person names the pseudonym instead.
/// Trust can still be computed from the result (ratings, times, outcomes are kept).
pub fn anonymize(event: &Event, customer: &str, pseudonym: &str) -> Event {
    let mut e = event.clone();
    if e.customer.as_deref() == Some(customer) {
        e.customer = Some(pseudonym.to_string());
    }
    match &mut e.body {
        EventBody::Refund { reason, .. } => *reason = None,
        EventBody::Ticket { channel, text, .. } => {
            *channel = None;
            *text = None;
        }
        EventBody::Complaint { text, .. } | EventBody::ReviewReply { text, .. } => *text = None,
        EventBody::Review { text, lang, .. } => {
            *text = None;
            *lang = None;
        }
        EventBody::Survey { comment, .. } => *comment = None,
        EventBody::Engagement { action } => *action = None,
        EventBody::Churn { reason } => *reason = None,
        EventBody::Referral { referred } if referred == customer => {
            *referred = pseudonym.to_string();
        }
        _ => {}
    }
    e
}

/// Visitor of [`LedgerStore::scan_logged_events`]: `(event id, type, log index)`.
pub type LoggedEventVisitor<'a> = dyn FnMut(&str, &str, Option<u64>) -> Result<(), StoreError> + 'a;

/// One entry of the log as a backend returns it for an audit.
#[derive(Debug, Clone)]
pub struct LedgerRecord {
    /// Log index.
    pub index: u64,
    /// The stored leaf bytes.
    pub leaf: Vec<u8>,
    /// The stored tombstone bytes, if the event was erased.
    pub tombstone: Option<Vec<u8>>,
}

/// What [`LedgerStore::erase_customer`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Erasure {
    /// The erased customer id (as given; it is no longer in the store).
    pub customer: String,
    /// Merchants whose relationship with the customer was erased, with the pseudonym
    /// their events now carry.
    pub merchants: Vec<(String, String)>,
    /// Events rewritten (customer replaced, free text removed).
    pub events: u64,
    /// Tombstones recorded (one per logged event of the customer).
    pub tombstones: u64,
    /// Customer secrets destroyed.
    pub secrets: u64,
}

/// Storage of the transparency log, next to the events and in the same transactions.
///
/// The tree itself is read through the [`HashReader`] supertrait (stored-hash positions
/// of `credence-ledger`). Implementations: [`crate::SqliteStore`]; every implementation
/// runs [`crate::conformance::run_ledger`] and `credence_ledger::testing::check_tree_store`.
pub trait LedgerStore: EventStore + HashReader {
    /// The log's origin (= key name), once set.
    fn ledger_origin(&self) -> Result<Option<String>, StoreError>;
    /// Sets the origin if none is set yet; returns the origin in force.
    fn init_ledger_origin(&mut self, origin: &str) -> Result<String, StoreError>;
    /// Number of leaves.
    fn ledger_size(&self) -> Result<u64, StoreError>;
    /// Leaf bytes at `index`.
    fn ledger_leaf(&self, index: u64) -> Result<Option<Vec<u8>>, StoreError>;
    /// Log index of an event's leaf (`None` if the event is unknown or not logged).
    fn ledger_index(&self, event_id: &str) -> Result<Option<u64>, StoreError>;
    /// The log index the event row claims, and whether the row exists: `None` when no
    /// event has this id, `Some(None)` when it has no log index.
    fn event_ledger_index(&self, event_id: &str) -> Result<Option<Option<u64>>, StoreError>;
    /// The stored (raw) event line by id, even if it no longer parses.
    fn event_raw(&self, event_id: &str) -> Result<Option<String>, StoreError>;
    /// The customer's ledger secret (`None` once erased).
    fn customer_secret(
        &self,
        merchant: &str,
        customer: &str,
    ) -> Result<Option<[u8; 32]>, StoreError>;
    /// Stores a signed checkpoint note for `size` (kept once per size).
    fn add_checkpoint(&mut self, size: u64, note: &str) -> Result<(), StoreError>;
    /// Every stored checkpoint note, by increasing size.
    fn checkpoints(&self) -> Result<Vec<(u64, String)>, StoreError>;
    /// Visits every leaf in index order, with its tombstone.
    fn scan_ledger(
        &self,
        visit: &mut dyn FnMut(LedgerRecord) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;
    /// Visits `(event id, type, log index)` of every stored event of a logged type.
    fn scan_logged_events(&self, visit: &mut LoggedEventVisitor<'_>) -> Result<(), StoreError>;
    /// How many erasures the store has seen. An erasure rewrites stored events in place
    /// (same sequence numbers), so a long-running reader that follows
    /// [`crate::EventStore::scan_since`] reloads when this changes.
    fn erasures(&self) -> Result<u64, StoreError>;
    /// Erases a customer (of one merchant, or of every merchant): destroys the secret,
    /// rewrites their events with [`anonymize`] under a random pseudonym per merchant,
    /// records a tombstone for each logged event, all in one transaction.
    fn erase_customer(
        &mut self,
        customer: &str,
        merchant: Option<&str>,
    ) -> Result<Erasure, StoreError>;
}

/// One finding of [`audit`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// `changed`, `deleted`, `unlogged`, `tree` or `checkpoint`.
    pub kind: &'static str,
    /// The event concerned, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// The log index concerned, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
    /// What is wrong, in words.
    pub message: String,
}

/// What [`audit`] found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AuditReport {
    /// Leaves in the log.
    pub size: u64,
    /// Root recomputed from the stored leaf bytes.
    pub root: Hash,
    /// Live events checked against their leaves.
    pub live: u64,
    /// Erased events checked against their tombstones.
    pub erased: u64,
    /// Checkpoint sizes whose roots were compared.
    pub checkpoints: Vec<u64>,
    /// Everything wrong; empty when the audit passed.
    pub problems: Vec<Problem>,
}

impl AuditReport {
    /// True if nothing is wrong.
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }

    fn problem(&mut self, kind: &'static str, event: Option<&str>, index: Option<u64>, m: String) {
        self.problems.push(Problem {
            kind,
            event: event.map(str::to_string),
            index,
            message: m,
        });
    }
}

/// Checks the store against its log: every leaf's event still exists and still encodes to
/// the leaf (live) or matches its tombstone and public fields (erased); every logged-type
/// event is in the log; the root recomputed from the leaf bytes ([`RootBuilder`]) equals
/// the root of every checkpoint in `checkpoints` (`(size, root)`, signatures already
/// verified by the caller) and the root from the stored interior hashes.
pub fn audit<S: LedgerStore + ?Sized>(
    store: &S,
    checkpoints: &[(u64, Hash)],
) -> Result<AuditReport, StoreError> {
    let mut r = AuditReport::default();
    let wanted: BTreeMap<u64, Hash> = checkpoints.iter().copied().collect();
    let mut builder = RootBuilder::new();
    let check_root = |r: &mut AuditReport, b: &RootBuilder| {
        if let Some(root) = wanted.get(&b.size()) {
            r.checkpoints.push(b.size());
            if *root != b.root() {
                r.problem(
                    "checkpoint",
                    None,
                    None,
                    format!(
                        "the leaves no longer give the root signed in the checkpoint at size {}",
                        b.size()
                    ),
                );
            }
        }
    };
    check_root(&mut r, &builder);
    store.scan_ledger(&mut |rec| {
        if rec.index != builder.size() {
            r.problem(
                "deleted",
                None,
                Some(builder.size()),
                format!(
                    "log entries {}..{} are missing from the store",
                    builder.size(),
                    rec.index
                ),
            );
            // keep counting from here so later entries are still checked
        }
        builder.push(leaf_hash(&rec.leaf));
        check_root(&mut r, &builder);
        check_entry(store, &rec, &mut r)
    })?;
    r.size = store.ledger_size()?;
    r.root = builder.root();
    match tree_root(store, r.size) {
        Ok(root) if root == r.root => {}
        Ok(_) => r.problem(
            "tree",
            None,
            None,
            "the stored tree hashes disagree with the stored leaves (proofs would not verify)"
                .into(),
        ),
        Err(e) => r.problem("tree", None, None, format!("cannot read the tree: {e}")),
    }
    if let Some((&size, _)) = wanted.range(r.size + 1..).next() {
        r.problem(
            "deleted",
            None,
            None,
            format!(
                "a checkpoint covers {size} entries but the log holds {}: entries were deleted",
                r.size
            ),
        );
    }
    let size = r.size;
    let mut found = Vec::new();
    store.scan_logged_events(&mut |id, ty, index| {
        match index {
            None => found.push(Problem {
                kind: "unlogged",
                event: Some(id.to_string()),
                index: None,
                message: format!("{ty} `{id}` is in the store but not in the log"),
            }),
            Some(i) if i >= size => found.push(Problem {
                kind: "unlogged",
                event: Some(id.to_string()),
                index: Some(i),
                message: format!("{ty} `{id}` claims log entry {i}, beyond the log"),
            }),
            Some(i) => {
                let named = store
                    .ledger_leaf(i)?
                    .and_then(|l| Leaf::decode(&l).ok())
                    .map(|l| l.event_id);
                if named.as_deref() != Some(id) {
                    found.push(Problem {
                        kind: "unlogged",
                        event: Some(id.to_string()),
                        index: Some(i),
                        message: format!("{ty} `{id}` claims log entry {i}, which is not its leaf"),
                    });
                }
            }
        }
        Ok(())
    })?;
    r.problems.extend(found);
    Ok(r)
}

fn check_entry<S: LedgerStore + ?Sized>(
    store: &S,
    rec: &LedgerRecord,
    r: &mut AuditReport,
) -> Result<(), StoreError> {
    let i = rec.index;
    let leaf = match Leaf::decode(&rec.leaf) {
        Ok(l) => l,
        Err(e) => {
            r.problem(
                "changed",
                None,
                Some(i),
                format!("log entry {i} was edited: {e}"),
            );
            return Ok(());
        }
    };
    let id = leaf.event_id.as_str();
    let what = leaf.kind.name();
    let Some(raw) = store.event_raw(id)? else {
        r.problem(
            "deleted",
            Some(id),
            Some(i),
            format!("{what} `{id}` (log entry {i}) was deleted from the store"),
        );
        return Ok(());
    };
    let event = match credence_events::parse_event(&raw) {
        Ok(e) => e,
        Err(e) => {
            r.problem(
                "changed",
                Some(id),
                Some(i),
                format!("{what} `{id}` (log entry {i}) was edited and no longer parses: {e}"),
            );
            return Ok(());
        }
    };
    if store.event_ledger_index(id)? != Some(Some(i)) {
        r.problem(
            "changed",
            Some(id),
            Some(i),
            format!("{what} `{id}` no longer points at its log entry {i}"),
        );
    }
    if let Some(t) = &rec.tombstone {
        r.erased += 1;
        let ok = Tombstone::decode(t).is_ok_and(|t| {
            t.event_id == leaf.event_id
                && t.merchant == leaf.merchant
                && t.matches_leaf_hash(&leaf_hash(&rec.leaf))
        });
        if !ok {
            r.problem(
                "changed",
                Some(id),
                Some(i),
                format!(
                    "the tombstone of erased {what} `{id}` (log entry {i}) does not match its leaf"
                ),
            );
        }
        let mut public = leaf.clone();
        public.customer = None;
        public.text = None;
        if public_leaf(&event).as_ref() != Some(&public) {
            r.problem(
                "changed",
                Some(id),
                Some(i),
                format!(
                    "erased {what} `{id}` (log entry {i}) was changed: {}",
                    differences(&public, public_leaf(&event).as_ref())
                ),
            );
        }
        return Ok(());
    }
    r.live += 1;
    let secret = match &event.customer {
        Some(c) => store.customer_secret(&event.merchant, c)?,
        None => None,
    };
    let expected = match event_leaf(&event, secret.as_ref().map(|s| &s[..])) {
        Ok(Some((l, _))) => l,
        Ok(None) => {
            r.problem(
                "changed",
                Some(id),
                Some(i),
                format!(
                    "`{id}` (log entry {i}, a {what}) was changed into a {}",
                    event.event_type()
                ),
            );
            return Ok(());
        }
        Err(e) => {
            r.problem(
                "changed",
                Some(id),
                Some(i),
                format!("{what} `{id}` (log entry {i}): {e}"),
            );
            return Ok(());
        }
    };
    if expected != leaf || expected.encode().ok().as_deref() != Some(&rec.leaf[..]) {
        r.problem(
            "changed",
            Some(id),
            Some(i),
            format!(
                "{what} `{id}` (log entry {i}) was changed: {}",
                differences(&leaf, Some(&expected))
            ),
        );
    }
    Ok(())
}

/// Names the fields in which the logged leaf and the leaf of the stored event differ.
fn differences(logged: &Leaf, now: Option<&Leaf>) -> String {
    let Some(now) = now else {
        return "its type changed".into();
    };
    let mut d = Vec::new();
    if logged.kind != now.kind {
        d.push(match (logged.kind, now.kind) {
            (LeafKind::Review { rating: a }, LeafKind::Review { rating: b }) => {
                format!("rating {a} is now {b}")
            }
            (LeafKind::CommitmentResult { kept: a }, LeafKind::CommitmentResult { kept: b }) => {
                format!("kept {a} is now {b}")
            }
            (LeafKind::Commitment { .. }, LeafKind::Commitment { .. }) => "terms".into(),
            _ => "type".into(),
        });
    }
    if logged.merchant != now.merchant {
        d.push("merchant".into());
    }
    if logged.time_us != now.time_us {
        d.push("time".into());
    }
    if logged.customer != now.customer {
        d.push("customer".into());
    }
    if logged.text != now.text {
        d.push("text".into());
    }
    if d.is_empty() {
        "the stored leaf bytes differ".into()
    } else {
        d.join(", ")
    }
}
