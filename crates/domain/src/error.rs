//! Validation errors carry a message id (a Fluent key), never a sentence, so that
//! every layer can show them in the user's language.

use serde::Serialize;

/// One problem with one input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's name as the form or JSON body calls it.
    pub field: String,
    /// A Fluent message id, e.g. `err-required`.
    pub code: &'static str,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str) -> Self {
        Self {
            field: field.into(),
            code,
        }
    }
}

/// Every problem found in one input, so a form can show them all at once.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("invalid input: {0:?}")]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn single(field: impl Into<String>, code: &'static str) -> Self {
        Self(vec![FieldError::new(field, code)])
    }
    pub fn push(&mut self, field: impl Into<String>, code: &'static str) {
        self.0.push(FieldError::new(field, code));
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// Collects the error of a parse into this list and returns the value if it parsed.
    pub fn take<T>(&mut self, field: &str, result: Result<T, &'static str>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(code) => {
                self.push(field, code);
                None
            }
        }
    }
    pub fn into_result(self) -> Result<(), ValidationErrors> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

/// After every field of a draft is parsed with [`ValidationErrors::take`]:
/// returns every problem if there is one, else binds each field to its value
/// (two fields or more).
#[macro_export]
macro_rules! checked {
    ($e:expr; $($v:ident),+ $(,)?) => {
        $e.into_result()?;
        let ($(Some($v)),+) = ($($v),+) else {
            return Err($crate::ValidationErrors::single("input", "err-required"));
        };
    };
}
