//! A small builder for portable SQL with numbered placeholders.
//!
//! Both engines accept `$1, $2, …` (SQLite reads them as numbered parameters),
//! so one query text serves both. The builder exists to compose fragments, such
//! as a scope predicate, without counting placeholders by hand. sqlx's own
//! `QueryBuilder<Any>` writes `?`, which PostgreSQL does not accept.

use sqlx::any::{AnyArguments, AnyRow};
use sqlx::{Any, Arguments, Encode, Executor, FromRow, Type};
use std::fmt::Write;

/// Fetch methods take `&mut self` so that a chain built on a temporary
/// (`Sql::new(..).bind(..).fetch_one(..).await`) works; they consume the bound
/// arguments, so a `Sql` runs once.
pub struct Sql {
    text: String,
    args: AnyArguments<'static>,
    n: usize,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            args: AnyArguments::default(),
            n: 0,
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub fn bind<T>(&mut self, value: T) -> &mut Self
    where
        T: 'static + Send + Encode<'static, Any> + Type<Any>,
    {
        self.n += 1;
        let _ = write!(self.text, "${}", self.n);
        // Encoding into AnyArguments only fails for types Any cannot carry,
        // which the bound on T already excludes.
        let _ = self.args.add(value);
        self
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub async fn fetch_all<'c, T, E>(&mut self, ex: E) -> Result<Vec<T>, sqlx::Error>
    where
        E: Executor<'c, Database = Any>,
        T: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
    {
        sqlx::query_as_with::<_, T, _>(&self.text, std::mem::take(&mut self.args))
            .fetch_all(ex)
            .await
    }

    pub async fn fetch_optional<'c, T, E>(&mut self, ex: E) -> Result<Option<T>, sqlx::Error>
    where
        E: Executor<'c, Database = Any>,
        T: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
    {
        sqlx::query_as_with::<_, T, _>(&self.text, std::mem::take(&mut self.args))
            .fetch_optional(ex)
            .await
    }

    pub async fn fetch_one<'c, T, E>(&mut self, ex: E) -> Result<T, sqlx::Error>
    where
        E: Executor<'c, Database = Any>,
        T: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
    {
        sqlx::query_as_with::<_, T, _>(&self.text, std::mem::take(&mut self.args))
            .fetch_one(ex)
            .await
    }

    /// Runs a statement and returns the number of rows it changed.
    pub async fn execute<'c, E>(&mut self, ex: E) -> Result<u64, sqlx::Error>
    where
        E: Executor<'c, Database = Any>,
    {
        Ok(sqlx::query_with(&self.text, std::mem::take(&mut self.args))
            .execute(ex)
            .await?
            .rows_affected())
    }
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
