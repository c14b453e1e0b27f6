//! `sqlx::migrate!` embeds `migrations/` when the crate compiles: a new
//! migration file alone must recompile it (sqlx's advice).
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
