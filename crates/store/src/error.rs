use kopru_domain::ValidationErrors;

/// What can go wrong in the store, in terms the web layer maps to HTTP.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// The row changed since the caller read it; `current` is its version now.
    #[error("edit conflict: the record is at version {current}")]
    Conflict { current: i64 },
    /// The caller may not do this to this record (out of scope or not permitted).
    #[error("forbidden")]
    Forbidden,
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    /// Logged with its cause (`describe`): which statement class failed and
    /// why, never the values bound to it.
    #[error("database error: {}", describe(.0))]
    Database(sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Other(String),
}

/// Not `#[from]`: the message already carries the cause, and a source would
/// print it twice in `{:#}` chains.
impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Database(e)
    }
}

/// A definition's problems (a form's, an indicator's) as field errors: the
/// field names where it is and what was found, the code what is wrong.
impl From<kopru_domain::form::DefinitionErrors> for StoreError {
    fn from(e: kopru_domain::form::DefinitionErrors) -> Self {
        let mut errors = ValidationErrors::new();
        for p in e.0 {
            let field = if p.detail.is_empty() {
                p.at
            } else {
                format!("{}: {}", p.at, p.detail)
            };
            errors.push(field, p.code);
        }
        StoreError::Invalid(errors)
    }
}

impl StoreError {
    /// Turns a unique-constraint violation into a field error on `field`; any
    /// other database error passes through. Each table has one user-facing
    /// unique column, so the caller knows which field it is.
    pub fn unique_to_field(e: sqlx::Error, field: &str) -> StoreError {
        if let sqlx::Error::Database(db) = &e {
            if db.is_unique_violation() {
                return StoreError::Invalid(ValidationErrors::single(field, "err-taken"));
            }
        }
        StoreError::Database(e)
    }
}

/// A database error in words for the log. A database's own message is kept
/// (a constraint, a table, a syntax error, a lock) except for PostgreSQL's
/// data exceptions (class 22), whose messages quote the offending value.
pub fn describe(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            let mut out = if code.starts_with("22") {
                "a value the column cannot hold".to_owned()
            } else {
                db.message().to_owned()
            };
            if !code.is_empty() {
                out.push_str(&format!(" [code {code}]"));
            }
            if let Some(c) = db.constraint() {
                out.push_str(&format!(" [constraint {c}]"));
            }
            if let Some(t) = db.table() {
                out.push_str(&format!(" [table {t}]"));
            }
            out
        }
        other => other.to_string(),
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    /// A 500's log says what failed.
    #[tokio::test]
    async fn database_errors_keep_their_cause() {
        let db = crate::testing::fresh_db().await;
        let e = crate::Sql::new("SELECT no_such_column FROM users")
            .fetch_all::<(i64,), _>(db.store.pool())
            .await
            .map_err(super::StoreError::from)
            .unwrap_err();
        let text = e.to_string();
        assert!(text.starts_with("database error: "), "{text}");
        assert!(text.contains("no_such_column"), "{text}");
    }
}
