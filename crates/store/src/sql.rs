//! A small builder for portable SQL: one query text, written once, with the
//! placeholders each engine reads best.
//!
//! PostgreSQL needs numbered placeholders (`$1, $2, …`). SQLite accepts them
//! too, but as *named* parameters: sqlx asks SQLite for every parameter's name
//! on every execution, and SQLite finds a name by walking a list, so a
//! statement with n numbered parameters costs n² to bind (15% of an import's
//! time at 500 parameters). Plain `?` has no name. So the builder writes both
//! texts as fragments are pushed and runs the one the connection's engine
//! wants; the fragments themselves never differ. It also composes fragments,
//! such as a scope predicate, without counting placeholders by hand.

use sqlx::any::{AnyArguments, AnyRow};
use sqlx::{Any, Arguments, Encode, Executor, FromRow, Type};
use sqlx::{AnyConnection, AnyPool};
use std::fmt::Write;

/// An executor that knows its engine's placeholder style.
pub trait Target<'c>: Executor<'c, Database = Any> {
    /// True for engines that read `?` (SQLite), false for `$n` (PostgreSQL).
    fn anonymous_placeholders(&self) -> bool;
}

/// The connection is to SQLite (the one place that asks).
pub(crate) fn is_sqlite(conn: &AnyConnection) -> bool {
    conn.backend_name() == "SQLite"
}

impl<'c> Target<'c> for &'c mut AnyConnection {
    fn anonymous_placeholders(&self) -> bool {
        is_sqlite(self)
    }
}

impl<'c> Target<'c> for &AnyPool {
    fn anonymous_placeholders(&self) -> bool {
        self.connect_options().database_url.scheme() == "sqlite"
    }
}

/// Fetch methods take `&mut self` so that a chain built on a temporary
/// (`Sql::new(..).bind(..).fetch_one(..).await`) works; they consume the bound
/// arguments, so a `Sql` runs once.
pub struct Sql {
    /// With `$n` placeholders.
    text: String,
    /// The same with `?` placeholders.
    anonymous: String,
    args: AnyArguments<'static>,
    n: usize,
    /// The same with each value written in place, when asked for
    /// (`Sql::with_literals`): what another engine runs (the benchmark's
    /// DuckDB comparison), never what Köprü sends.
    literal: Option<String>,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            anonymous: text.to_owned(),
            args: AnyArguments::default(),
            n: 0,
            literal: None,
        }
    }

    /// Also keeps the statement with its values written in place
    /// (`literal_text`).
    pub fn with_literals(mut self) -> Self {
        self.literal = Some(self.text.clone());
        self
    }

    /// The statement with its values in place, if `with_literals` was asked.
    pub fn literal_text(&self) -> Option<&str> {
        self.literal.as_deref()
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self.anonymous.push_str(text);
        if let Some(l) = &mut self.literal {
            l.push_str(text);
        }
        self
    }

    /// Appends a placeholder bound to `value`.
    pub fn bind<T>(&mut self, value: T) -> &mut Self
    where
        T: 'static + Send + Encode<'static, Any> + Type<Any> + std::fmt::Debug,
    {
        self.n += 1;
        let _ = write!(self.text, "${}", self.n);
        self.anonymous.push('?');
        if let Some(l) = &mut self.literal {
            l.push_str(&literal(&format!("{value:?}")));
        }
        // Encoding into AnyArguments only fails for types Any cannot carry,
        // which the bound on T already excludes.
        let _ = self.args.add(value);
        self
    }

    /// Appends ` LIMIT … OFFSET …` for a page of at most 500 rows, asking for
    /// one row more than the page so the caller knows whether another follows.
    pub fn page(&mut self, limit: i64, offset: i64) -> &mut Self {
        self.push(" LIMIT ")
            .bind(limit.clamp(1, 500) + 1)
            .push(" OFFSET ")
            .bind(offset.max(0))
    }

    /// Appends ` LIMIT … OFFSET …` for a page of at most 500 rows.
    pub fn limit(&mut self, limit: i64, offset: i64) -> &mut Self {
        self.push(" LIMIT ")
            .bind(limit.clamp(1, 500))
            .push(" OFFSET ")
            .bind(offset.max(0))
    }

    /// Appends `$1, $2, …`, one placeholder per value (for `IN (…)`).
    pub fn bind_list<T>(&mut self, values: impl IntoIterator<Item = T>) -> &mut Self
    where
        T: 'static + Send + Encode<'static, Any> + Type<Any> + std::fmt::Debug,
    {
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(v);
        }
        self
    }

    /// The text and arguments for `ex`'s engine; the arguments are taken.
    fn take<'c, E: Target<'c>>(&mut self, ex: &E) -> (&str, AnyArguments<'static>) {
        let text = if ex.anonymous_placeholders() {
            &self.anonymous
        } else {
            &self.text
        };
        (text, std::mem::take(&mut self.args))
    }

    pub async fn fetch_all<'c, T, E>(&mut self, ex: E) -> Result<Vec<T>, sqlx::Error>
    where
        E: Target<'c>,
        T: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
    {
        let (text, args) = self.take(&ex);
        sqlx::query_as_with::<_, T, _>(text, args)
            .fetch_all(ex)
            .await
    }

    pub async fn fetch_optional<'c, T, E>(&mut self, ex: E) -> Result<Option<T>, sqlx::Error>
    where
        E: Target<'c>,
        T: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
    {
        let (text, args) = self.take(&ex);
        sqlx::query_as_with::<_, T, _>(text, args)
            .fetch_optional(ex)
            .await
    }

    pub async fn fetch_one<'c, T, E>(&mut self, ex: E) -> Result<T, sqlx::Error>
    where
        E: Target<'c>,
        T: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
    {
        let (text, args) = self.take(&ex);
        sqlx::query_as_with::<_, T, _>(text, args)
            .fetch_one(ex)
            .await
    }

    /// Rows whose columns the caller does not know in advance.
    pub async fn fetch_rows<'c, E>(&mut self, ex: E) -> Result<Vec<AnyRow>, sqlx::Error>
    where
        E: Target<'c>,
    {
        let (text, args) = self.take(&ex);
        sqlx::query_with(text, args).fetch_all(ex).await
    }

    /// Runs a statement and returns the number of rows it changed.
    pub async fn execute<'c, E>(&mut self, ex: E) -> Result<u64, sqlx::Error>
    where
        E: Target<'c>,
    {
        let (text, args) = self.take(&ex);
        Ok(sqlx::query_with(text, args)
            .execute(ex)
            .await?
            .rows_affected())
    }
}

/// A column's value to write: text or a whole number, either possibly null
/// (yes/no is 0/1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Val {
    Text(Option<String>),
    Int(Option<i64>),
}

impl From<String> for Val {
    fn from(v: String) -> Self {
        Val::Text(Some(v))
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Self {
        Val::Text(Some(v.to_owned()))
    }
}
impl From<Option<String>> for Val {
    fn from(v: Option<String>) -> Self {
        Val::Text(v)
    }
}
impl From<i64> for Val {
    fn from(v: i64) -> Self {
        Val::Int(Some(v))
    }
}
impl From<Option<i64>> for Val {
    fn from(v: Option<i64>) -> Self {
        Val::Int(v)
    }
}
impl From<bool> for Val {
    fn from(v: bool) -> Self {
        Val::Int(Some(i64::from(v)))
    }
}

impl Sql {
    fn bind_val(&mut self, v: &Val) -> &mut Self {
        match v {
            Val::Text(t) => self.bind(t.clone()),
            Val::Int(n) => self.bind(*n),
        }
    }

    /// `INSERT INTO table (a, b) VALUES ($1, $2)`, one placeholder per column.
    pub fn insert(table: &str, cols: &[(&str, Val)]) -> Sql {
        let names: Vec<&str> = cols.iter().map(|(c, _)| *c).collect();
        let mut q = Sql::new(&format!(
            "INSERT INTO {table} ({}) VALUES (",
            names.join(", ")
        ));
        for (i, (_, v)) in cols.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.bind_val(v);
        }
        q.push(")");
        q
    }

    /// `UPDATE table SET a = $1, b = $2`; the caller appends the `WHERE`.
    pub fn update(table: &str, cols: &[(&str, Val)]) -> Sql {
        let mut q = Sql::new(&format!("UPDATE {table} SET "));
        for (i, (c, v)) in cols.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push(c).push(" = ").bind_val(v);
        }
        q
    }
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
/// A value as SQL writes it, from its `Debug` form: text quoted (quotes
/// doubled), `None` as NULL, `Some(x)` as `x`, numbers and booleans as they are.
fn literal(debug: &str) -> String {
    if let Some(inner) = debug
        .strip_prefix("Some(")
        .and_then(|d| d.strip_suffix(')'))
    {
        return literal(inner);
    }
    if debug == "None" {
        return "NULL".to_owned();
    }
    if debug.starts_with('"') {
        // Rust's Debug escapes as JSON does for the text a query binds.
        let text: String = serde_json::from_str(debug).unwrap_or_default();
        return format!("'{}'", text.replace('\'', "''"));
    }
    debug.to_ascii_uppercase()
}

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

#[cfg(test)]
mod tests {
    use super::Sql;

    #[test]
    fn both_texts_carry_the_same_fragments_and_one_placeholder_per_bind() {
        let mut q = Sql::new("SELECT 1 FROM t WHERE a = ");
        q.bind(1_i64)
            .push(" AND b IN (")
            .bind("x")
            .push(", ")
            .bind("y")
            .push(")");
        assert_eq!(q.text, "SELECT 1 FROM t WHERE a = $1 AND b IN ($2, $3)");
        assert_eq!(q.anonymous, "SELECT 1 FROM t WHERE a = ? AND b IN (?, ?)");
    }

    #[test]
    fn inserts_and_updates_bind_each_column() {
        let cols = [("a", "x".into()), ("b", super::Val::Int(None))];
        let q = Sql::insert("t", &cols);
        assert_eq!(q.text, "INSERT INTO t (a, b) VALUES ($1, $2)");
        let mut q = Sql::update("t", &cols);
        q.push(" WHERE id = ").bind(1_i64);
        assert_eq!(q.anonymous, "UPDATE t SET a = ?, b = ? WHERE id = ?");
    }

    #[test]
    fn literals_write_each_value_in_place_quoted_as_sql_quotes() {
        let mut q = Sql::new("SELECT 1 WHERE a = ").with_literals();
        q.bind("O'Brien \\ %".to_owned())
            .push(" AND b IN (")
            .bind_list([1_i64, 2])
            .push(") AND c = ")
            .bind(Some(2.5_f64))
            .push(" AND d = ")
            .bind(None::<String>);
        assert_eq!(
            q.literal_text(),
            Some("SELECT 1 WHERE a = 'O''Brien \\ %' AND b IN (1, 2) AND c = 2.5 AND d = NULL")
        );
        assert_eq!(
            q.anonymous,
            "SELECT 1 WHERE a = ? AND b IN (?, ?) AND c = ? AND d = ?"
        );
        assert_eq!(Sql::new("SELECT 1").literal_text(), None);
    }
}
