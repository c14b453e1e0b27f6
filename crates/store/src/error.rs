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
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error("migration error")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Other(String),
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

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
