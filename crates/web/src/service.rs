//! The error of the services that pages, API and CLI share (`*/service.rs`).
//! Services sit below HTTP: they take the store, the actor and the caller's
//! principal, and answer with data or a `ServiceError` — never a response.
//! The web layer maps it to `AppError`; `kopru import` prints it.

use kopru_domain::ValidationErrors;
use kopru_store::dedup::Candidate;
use kopru_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("invalid input")]
    Invalid(ValidationErrors),
    /// The person being registered may already be on record.
    #[error("possible duplicates")]
    PossibleDuplicates(Vec<Candidate>),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A fault of ours (a file we could not write); the text is for the log.
    #[error("{0}")]
    Internal(String),
    /// A server we send to failed or refused: a Fluent message id for the
    /// reader, and what happened for the log.
    #[error("{1}")]
    Upstream(&'static str, String),
}

impl From<ValidationErrors> for ServiceError {
    fn from(e: ValidationErrors) -> Self {
        ServiceError::Invalid(e)
    }
}

impl ServiceError {
    /// The store's refusal, when that is what it was.
    pub fn store(&self) -> Option<&StoreError> {
        match self {
            ServiceError::Store(e) => Some(e),
            _ => None,
        }
    }
}
