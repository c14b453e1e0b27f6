//! Users, role assignments, passwords, sessions, API tokens and login throttling.

use crate::audit::{append, Actor};
use crate::scope::{push_visible, scope_within, Entity};
use crate::{clock, new_id, Result, Sql, Store, StoreError};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use kopru_domain::codes::{Label, Password, Username};
use kopru_domain::policy::{Action, Assignment, Principal};
use kopru_domain::{Role, Scope, ValidationErrors};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use time::Duration;

/// How long a session lasts without activity, and at most.
pub const SESSION_IDLE: Duration = Duration::hours(8);
/// Failures within this window count towards throttling.
pub const THROTTLE_WINDOW: Duration = Duration::minutes(15);
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
/// One address is throttled when its failures in the window name this many
/// accounts (someone trying many usernames), or reach `MAX_FAILURES_PER_ADDRESS`
/// however few accounts they name. An office behind one NAT, where a few
/// people mistype their own passwords, stays well below both: each of them
/// is held to `MAX_FAILURES_PER_ACCOUNT` anyway.
pub const MAX_ACCOUNTS_PER_ADDRESS: i64 = 10;
pub const MAX_FAILURES_PER_ADDRESS: i64 = 100;

pub fn hash_password(p: &Password) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(p.expose().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Other(format!("password hashing failed: {e}")))
}

fn verify_password(hash: &str, candidate: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(candidate.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash of nothing anyone knows, checked when the account does not exist so
/// that a failed login takes as long for a missing account as for a wrong password.
fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| {
        let p = Password::parse("no-such-account-password").unwrap_or_else(|_| unreachable!());
        hash_password(&p).unwrap_or_default()
    })
}

/// 32 random bytes as hex: session ids and tokens.
pub fn random_secret() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct User {
    pub id: String,
    pub username: String,
    pub display_name: String,
    /// The title under the user's name on letters ("Sosyal Çalışmacı").
    pub job_title: Option<String>,
    pub locale: Option<String>,
    pub must_change_password: i64,
    pub disabled_at: Option<String>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AssignmentRow {
    pub id: String,
    pub user_id: String,
    pub role: String,
    pub scope_kind: String,
    pub scope_code: Option<String>,
}

impl AssignmentRow {
    pub fn to_assignment(&self) -> Option<Assignment> {
        Some(Assignment {
            role: Role::parse(&self.role).ok()?,
            scope: Scope::from_parts(&self.scope_kind, self.scope_code.as_deref()).ok()?,
        })
    }
    pub fn scope_label(&self) -> String {
        match &self.scope_code {
            Some(c) => format!("{}:{c}", self.scope_kind),
            None => self.scope_kind.clone(),
        }
    }
}

/// A new user's details, validated.
pub struct NewUser {
    pub username: Username,
    pub display_name: Label,
    pub password: Password,
    pub assignments: Vec<Assignment>,
    pub must_change_password: bool,
}

const USER_COLUMNS: &str =
    "u.id, u.username, u.display_name, u.job_title, u.locale, u.must_change_password, \
     u.disabled_at, u.version, u.created_at, u.updated_at";

/// Why a login failed, as the user is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginError {
    BadCredentials,
    /// Too many failures; try again after this many minutes.
    Throttled {
        minutes: i64,
    },
}

impl Store {
    /// Checks that a scope names something that exists.
    async fn scope_exists(&self, conn: &mut sqlx::AnyConnection, scope: &Scope) -> Result<bool> {
        let (table, col) = match scope {
            Scope::Installation => return Ok(true),
            Scope::Country(_) | Scope::Area(_) => ("areas", "code"),
            Scope::Unit(_) => ("units", "code"),
            Scope::Institution(_) => ("institutions", "code"),
        };
        let hit: Option<(i64,)> = Sql::new(&format!("SELECT 1 FROM {table} WHERE {col} = "))
            .bind(scope.code().unwrap_or_default().to_owned())
            .fetch_optional(conn)
            .await?;
        Ok(hit.is_some())
    }

    /// Creates a user. `by` is `None` for the command line (the operator of the
    /// machine); otherwise every assignment must lie within `by`'s user grants.
    pub async fn create_user(
        &self,
        actor: &Actor,
        by: Option<&Principal>,
        u: NewUser,
    ) -> Result<User> {
        let hash = hash_password(&u.password)?;
        let mut tx = self.begin_write().await?;
        for a in &u.assignments {
            if !self.scope_exists(tx.conn(), &a.scope).await? {
                return Err(ValidationErrors::single("scope", "err-scope-unknown").into());
            }
            if let Some(p) = by {
                let grants = p.grants(Action::ManageUsers);
                if !scope_within(tx.conn(), &grants, &a.scope).await? {
                    return Err(StoreError::Forbidden);
                }
            }
        }
        let id = new_id();
        let now = clock::now();
        let mut q = Sql::new(
            "INSERT INTO users (id, username, display_name, search_key, password_hash, locale, \
             must_change_password, disabled_at, version, created_at, updated_at) VALUES (",
        );
        q.bind(id.clone())
            .push(", ")
            .bind(u.username.as_str().to_owned())
            .push(", ");
        q.bind(u.display_name.as_str().to_owned())
            .push(", ")
            .bind(user_search_key(
                u.username.as_str(),
                u.display_name.as_str(),
            ))
            .push(", ");
        q.bind(hash).push(", NULL, ");
        q.bind(i64::from(u.must_change_password))
            .push(", NULL, 1, ");
        q.bind(now.clone()).push(", ").bind(now.clone()).push(")");
        q.execute(tx.conn())
            .await
            .map_err(|e| StoreError::unique_to_field(e, "username"))?;
        for a in &u.assignments {
            insert_assignment(tx.conn(), &id, a).await?;
        }
        let roles: Vec<String> = u
            .assignments
            .iter()
            .map(|a| format!("{} @ {}", a.role, a.scope))
            .collect();
        append(
            tx.conn(),
            &actor
                .event("user.create")
                .record("user", &id)
                .details(serde_json::json!({ "username": u.username.as_str(), "roles": roles })),
        )
        .await?;
        tx.commit().await?;
        self.user_by_id(&id).await?.ok_or(StoreError::NotFound)
    }

    pub async fn user_by_id(&self, id: &str) -> Result<Option<User>> {
        Ok(
            Sql::new(&format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = "))
                .bind(id.to_owned())
                .fetch_optional(self.pool())
                .await?,
        )
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<User>> {
        Ok(Sql::new(&format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.username = "
        ))
        .bind(username.to_owned())
        .fetch_optional(self.pool())
        .await?)
    }

    /// A user as seen by `viewer` (within their user grants), with assignments.
    /// A person's record was viewed, so the view is audited.
    pub async fn visible_user(
        &self,
        actor: &Actor,
        viewer: &Principal,
        id: &str,
    ) -> Result<(User, Vec<AssignmentRow>)> {
        let mut q = Sql::new(&format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = "));
        q.bind(id.to_owned()).push(" AND ");
        push_visible(&mut q, Entity::User, "u", &viewer.grants(Action::ViewUsers));
        let user: User = q
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        let roles = self.assignments_of(&user.id).await?;
        self.audit(&actor.event("user.view").record("user", &user.id))
            .await?;
        Ok((user, roles))
    }

    pub async fn users(
        &self,
        viewer: &Principal,
        search: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<User>> {
        let mut q = Sql::new(&format!("SELECT {USER_COLUMNS} FROM users u WHERE "));
        push_visible(&mut q, Entity::User, "u", &viewer.grants(Action::ViewUsers));
        let folded = search.map(kopru_domain::search::fold);
        if let Some(s) = folded.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            q.push(" AND u.search_key LIKE ")
                .bind(format!("%{}%", crate::sql::like_escape(s)))
                .push(" ESCAPE '\\'");
        }
        q.push(" ORDER BY u.username LIMIT ")
            .bind(limit.clamp(1, 500))
            .push(" OFFSET ")
            .bind(offset.max(0));
        Ok(q.fetch_all(self.pool()).await?)
    }

    pub async fn assignments_of(&self, user_id: &str) -> Result<Vec<AssignmentRow>> {
        Ok(Sql::new("SELECT id, user_id, role, scope_kind, scope_code FROM role_assignments WHERE user_id = ")
            .bind(user_id.to_owned())
            .push(" ORDER BY created_at, id")
            .fetch_all(self.pool())
            .await?)
    }

    /// The principal for an active user, or `None` if the account is disabled or gone.
    pub async fn principal(&self, user_id: &str) -> Result<Option<Principal>> {
        let Some(u) = self.user_by_id(user_id).await? else {
            return Ok(None);
        };
        if u.disabled_at.is_some() {
            return Ok(None);
        }
        let assignments = self
            .assignments_of(user_id)
            .await?
            .iter()
            .filter_map(AssignmentRow::to_assignment)
            .collect();
        Ok(Some(Principal {
            user_id: u.id,
            username: u.username,
            assignments,
        }))
    }

    /// Checks credentials and throttling. Every attempt is audited.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        client_addr: &str,
    ) -> Result<Result<User, LoginError>> {
        let name = username.trim().to_ascii_lowercase();
        let since = clock::from_now(-THROTTLE_WINDOW);
        let (by_user,): (i64,) = Sql::new("SELECT COUNT(*) FROM login_failures WHERE username = ")
            .bind(name.clone())
            .push(" AND at > ")
            .bind(since.clone())
            .fetch_one(self.pool())
            .await?;
        let (by_addr, accounts_by_addr): (i64, i64) = Sql::new(
            "SELECT COUNT(*), COUNT(DISTINCT username) FROM login_failures WHERE client_addr = ",
        )
        .bind(client_addr.to_owned())
        .push(" AND at > ")
        .bind(since.clone())
        .fetch_one(self.pool())
        .await?;
        let actor = Actor {
            user_id: None,
            username: name.clone(),
            client_addr: Some(client_addr.to_owned()),
        };
        let address_blocked =
            accounts_by_addr >= MAX_ACCOUNTS_PER_ADDRESS || by_addr >= MAX_FAILURES_PER_ADDRESS;
        if by_user >= MAX_FAILURES_PER_ACCOUNT || address_blocked {
            // Minutes until the oldest counted failure leaves the window.
            let (oldest,): (Option<String>,) =
                Sql::new("SELECT MIN(at) FROM login_failures WHERE (username = ")
                    .bind(name.clone())
                    .push(" OR client_addr = ")
                    .bind(client_addr.to_owned())
                    .push(") AND at > ")
                    .bind(since)
                    .fetch_one(self.pool())
                    .await?;
            let minutes = oldest
                .and_then(|o| clock::parse(&o))
                .map(|o| {
                    let until = o + THROTTLE_WINDOW;
                    ((until - time::OffsetDateTime::now_utc()).whole_seconds() + 59) / 60
                })
                .unwrap_or(15)
                .clamp(1, 15);
            self.audit(&actor.event("auth.login").outcome("throttled"))
                .await?;
            return Ok(Err(LoginError::Throttled { minutes }));
        }
        let user = self.user_by_username(&name).await?;
        let hash: Option<(String,)> = Sql::new("SELECT password_hash FROM users WHERE username = ")
            .bind(name.clone())
            .fetch_optional(self.pool())
            .await?;
        let ok = match &hash {
            Some((h,)) => verify_password(h, password),
            None => {
                verify_password(dummy_hash(), password);
                false
            }
        };
        match user {
            Some(u) if ok && u.disabled_at.is_none() => {
                let mut tx = self.begin_write().await?;
                Sql::new("DELETE FROM login_failures WHERE username = ")
                    .bind(name)
                    .execute(tx.conn())
                    .await?;
                let mut ev = actor.event("auth.login").record("user", &u.id);
                ev.actor_id = Some(u.id.clone());
                append(tx.conn(), &ev).await?;
                tx.commit().await?;
                Ok(Ok(u))
            }
            _ => {
                let mut tx = self.begin_write().await?;
                let mut q =
                    Sql::new("INSERT INTO login_failures (id, username, client_addr, at) VALUES (");
                q.bind(new_id())
                    .push(", ")
                    .bind(name)
                    .push(", ")
                    .bind(client_addr.to_owned())
                    .push(", ")
                    .bind(clock::now())
                    .push(")");
                q.execute(tx.conn()).await?;
                append(tx.conn(), &actor.event("auth.login").outcome("failed")).await?;
                tx.commit().await?;
                Ok(Err(LoginError::BadCredentials))
            }
        }
    }

    /// Changes a user's own password after checking the current one.
    pub async fn change_own_password(
        &self,
        actor: &Actor,
        user_id: &str,
        current: &str,
        new: &Password,
    ) -> Result<bool> {
        let hash: Option<(String,)> = Sql::new("SELECT password_hash FROM users WHERE id = ")
            .bind(user_id.to_owned())
            .fetch_optional(self.pool())
            .await?;
        let Some((hash,)) = hash else {
            return Err(StoreError::NotFound);
        };
        if !verify_password(&hash, current) {
            return Ok(false);
        }
        self.set_password(actor, user_id, new, false, "user.password.change")
            .await?;
        Ok(true)
    }

    /// An administrator sets a new password; the user must change it at next login.
    pub async fn reset_password(
        &self,
        actor: &Actor,
        by: &Principal,
        user_id: &str,
        new: &Password,
    ) -> Result<()> {
        let mut q = Sql::new("SELECT u.id FROM users u WHERE u.id = ");
        q.bind(user_id.to_owned()).push(" AND ");
        push_visible(&mut q, Entity::User, "u", &by.grants(Action::ManageUsers));
        let hit: Option<(String,)> = q.fetch_optional(self.pool()).await?;
        if hit.is_none() {
            return Err(StoreError::NotFound);
        }
        self.set_password(actor, user_id, new, true, "user.password.reset")
            .await
    }

    async fn set_password(
        &self,
        actor: &Actor,
        user_id: &str,
        new: &Password,
        must_change: bool,
        action: &str,
    ) -> Result<()> {
        let hash = hash_password(new)?;
        let mut tx = self.begin_write().await?;
        Sql::new("UPDATE users SET password_hash = ")
            .bind(hash)
            .push(", must_change_password = ")
            .bind(i64::from(must_change))
            .push(", version = version + 1, updated_at = ")
            .bind(clock::now())
            .push(" WHERE id = ")
            .bind(user_id.to_owned())
            .execute(tx.conn())
            .await?;
        // Other sessions of this user end: a changed password must lock out whoever knew the old one.
        Sql::new("DELETE FROM sessions WHERE user_id = ")
            .bind(user_id.to_owned())
            .execute(tx.conn())
            .await?;
        append(tx.conn(), &actor.event(action).record("user", user_id)).await?;
        tx.commit().await
    }

    /// Sets (or, with `None`, clears) the user's own title for letters.
    pub async fn set_job_title(
        &self,
        actor: &Actor,
        user_id: &str,
        title: Option<&str>,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        Sql::new("UPDATE users SET job_title = ")
            .bind(title.map(str::to_owned))
            .push(" WHERE id = ")
            .bind(user_id.to_owned())
            .execute(tx.conn())
            .await?;
        append(
            tx.conn(),
            &actor.event("user.job_title").record("user", user_id),
        )
        .await?;
        tx.commit().await
    }

    pub async fn set_locale(&self, user_id: &str, locale: &str) -> Result<()> {
        Sql::new("UPDATE users SET locale = ")
            .bind(locale.to_owned())
            .push(" WHERE id = ")
            .bind(user_id.to_owned())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Adds a role assignment, within the administrator's grants.
    pub async fn add_assignment(
        &self,
        actor: &Actor,
        by: &Principal,
        user_id: &str,
        a: &Assignment,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let mut q = Sql::new("SELECT u.id FROM users u WHERE u.id = ");
        q.bind(user_id.to_owned()).push(" AND (");
        // An administrator may give roles to users they can see, and to users
        // who have no role yet (just created, or stripped of all).
        push_visible(&mut q, Entity::User, "u", &by.grants(Action::ManageUsers));
        q.push(" OR NOT EXISTS (SELECT 1 FROM role_assignments r0 WHERE r0.user_id = u.id))");
        let hit: Option<(String,)> = q.fetch_optional(tx.conn()).await?;
        if hit.is_none() {
            return Err(StoreError::NotFound);
        }
        if !self.scope_exists(tx.conn(), &a.scope).await? {
            return Err(ValidationErrors::single("scope", "err-scope-unknown").into());
        }
        if !scope_within(tx.conn(), &by.grants(Action::ManageUsers), &a.scope).await? {
            return Err(StoreError::Forbidden);
        }
        insert_assignment(tx.conn(), user_id, a).await?;
        append(
            tx.conn(),
            &actor
                .event("user.role.add")
                .record("user", user_id)
                .details(
                    serde_json::json!({ "role": a.role.as_str(), "scope": a.scope.to_string() }),
                ),
        )
        .await?;
        tx.commit().await
    }

    pub async fn remove_assignment(
        &self,
        actor: &Actor,
        by: &Principal,
        assignment_id: &str,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let row: Option<AssignmentRow> = Sql::new(
            "SELECT id, user_id, role, scope_kind, scope_code FROM role_assignments WHERE id = ",
        )
        .bind(assignment_id.to_owned())
        .fetch_optional(tx.conn())
        .await?;
        let row = row.ok_or(StoreError::NotFound)?;
        let scope = Scope::from_parts(&row.scope_kind, row.scope_code.as_deref())
            .map_err(|_| StoreError::NotFound)?;
        if !scope_within(tx.conn(), &by.grants(Action::ManageUsers), &scope).await? {
            return Err(StoreError::Forbidden);
        }
        Sql::new("DELETE FROM role_assignments WHERE id = ")
            .bind(assignment_id.to_owned())
            .execute(tx.conn())
            .await?;
        append(
            tx.conn(),
            &actor
                .event("user.role.remove")
                .record("user", &row.user_id)
                .details(serde_json::json!({ "role": row.role, "scope": row.scope_label() })),
        )
        .await?;
        tx.commit().await
    }

    /// Disables or re-enables an account; disabling ends its sessions and tokens' use.
    pub async fn set_disabled(
        &self,
        actor: &Actor,
        by: &Principal,
        user_id: &str,
        disabled: bool,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let mut q = Sql::new("UPDATE users SET disabled_at = ");
        q.bind(disabled.then(clock::now))
            .push(", version = version + 1, updated_at = ")
            .bind(clock::now())
            .push(" WHERE id = ")
            .bind(user_id.to_owned())
            .push(" AND ");
        push_visible(
            &mut q,
            Entity::User,
            "users",
            &by.grants(Action::ManageUsers),
        );
        if q.execute(tx.conn()).await? == 0 {
            return Err(StoreError::NotFound);
        }
        if disabled {
            Sql::new("DELETE FROM sessions WHERE user_id = ")
                .bind(user_id.to_owned())
                .execute(tx.conn())
                .await?;
        }
        append(
            tx.conn(),
            &actor
                .event(if disabled {
                    "user.disable"
                } else {
                    "user.enable"
                })
                .record("user", user_id),
        )
        .await?;
        tx.commit().await
    }

    // ---- sessions ----

    /// Starts a session and returns the secret for the cookie. Only its hash is stored.
    pub async fn create_session(&self, user_id: &str) -> Result<String> {
        let secret = random_secret();
        let now = clock::now();
        let mut q = Sql::new("INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at) VALUES (");
        q.bind(sha256_hex(&secret))
            .push(", ")
            .bind(user_id.to_owned())
            .push(", ")
            .bind(now.clone())
            .push(", ")
            .bind(clock::from_now(SESSION_IDLE))
            .push(", ")
            .bind(now)
            .push(")");
        let mut tx = self.begin_write().await?;
        q.execute(tx.conn()).await?;
        // Housekeeping rides along with logins rather than needing a scheduler.
        Sql::new("DELETE FROM sessions WHERE expires_at < ")
            .bind(clock::now())
            .execute(tx.conn())
            .await?;
        Sql::new("DELETE FROM login_failures WHERE at < ")
            .bind(clock::from_now(-THROTTLE_WINDOW * 4))
            .execute(tx.conn())
            .await?;
        tx.commit().await?;
        Ok(secret)
    }

    /// The user of a live session; slides its expiry at most once a minute.
    pub async fn session_user(&self, secret: &str) -> Result<Option<String>> {
        let hash = sha256_hex(secret);
        let row: Option<(String, String, String)> =
            Sql::new("SELECT user_id, expires_at, last_seen_at FROM sessions WHERE token_hash = ")
                .bind(hash.clone())
                .fetch_optional(self.pool())
                .await?;
        let Some((user_id, expires_at, last_seen)) = row else {
            return Ok(None);
        };
        let now = clock::now();
        if expires_at < now {
            return Ok(None);
        }
        if last_seen < clock::from_now(-Duration::minutes(1)) {
            let mut tx = self.begin_write().await?;
            Sql::new("UPDATE sessions SET last_seen_at = ")
                .bind(now)
                .push(", expires_at = ")
                .bind(clock::from_now(SESSION_IDLE))
                .push(" WHERE token_hash = ")
                .bind(hash)
                .execute(tx.conn())
                .await?;
            tx.commit().await?;
        }
        Ok(Some(user_id))
    }

    pub async fn end_session(&self, actor: &Actor, secret: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        Sql::new("DELETE FROM sessions WHERE token_hash = ")
            .bind(sha256_hex(secret))
            .execute(tx.conn())
            .await?;
        append(tx.conn(), &actor.event("auth.logout")).await?;
        tx.commit().await
    }

    // ---- API tokens ----

    /// Creates a token for `user_id` and returns it; it is shown once and stored hashed.
    pub async fn create_token(
        &self,
        actor: &Actor,
        user_id: &str,
        name: &str,
    ) -> Result<(String, String)> {
        let secret = format!("kopru_{}", random_secret());
        let id = new_id();
        let mut tx = self.begin_write().await?;
        let mut q = Sql::new(
            "INSERT INTO api_tokens (id, user_id, name, token_hash, prefix, created_at) VALUES (",
        );
        q.bind(id.clone())
            .push(", ")
            .bind(user_id.to_owned())
            .push(", ")
            .bind(name.to_owned())
            .push(", ")
            .bind(sha256_hex(&secret))
            .push(", ")
            .bind(secret[..14].to_owned())
            .push(", ")
            .bind(clock::now())
            .push(")");
        q.execute(tx.conn()).await?;
        append(
            tx.conn(),
            &actor
                .event("token.create")
                .record("api_token", &id)
                .details(serde_json::json!({ "user_id": user_id, "name": name })),
        )
        .await?;
        tx.commit().await?;
        Ok((id, secret))
    }

    /// The user of a valid, unrevoked token.
    pub async fn token_user(&self, secret: &str) -> Result<Option<String>> {
        let row: Option<(String, String, Option<String>)> =
            Sql::new("SELECT id, user_id, last_used_at FROM api_tokens WHERE revoked_at IS NULL AND token_hash = ")
                .bind(sha256_hex(secret))
                .fetch_optional(self.pool())
                .await?;
        let Some((id, user_id, last_used)) = row else {
            return Ok(None);
        };
        if last_used.is_none_or(|t| t < clock::from_now(-Duration::minutes(5))) {
            let mut tx = self.begin_write().await?;
            Sql::new("UPDATE api_tokens SET last_used_at = ")
                .bind(clock::now())
                .push(" WHERE id = ")
                .bind(id)
                .execute(tx.conn())
                .await?;
            tx.commit().await?;
        }
        Ok(Some(user_id))
    }

    pub async fn tokens_of(&self, user_id: &str) -> Result<Vec<ApiToken>> {
        Ok(Sql::new("SELECT id, user_id, name, prefix, created_at, last_used_at, revoked_at FROM api_tokens WHERE user_id = ")
            .bind(user_id.to_owned())
            .push(" ORDER BY created_at DESC")
            .fetch_all(self.pool())
            .await?)
    }

    /// Revokes a token owned by `owner_id`.
    pub async fn revoke_token(&self, actor: &Actor, owner_id: &str, token_id: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let n = Sql::new("UPDATE api_tokens SET revoked_at = ")
            .bind(clock::now())
            .push(" WHERE id = ")
            .bind(token_id.to_owned())
            .push(" AND user_id = ")
            .bind(owner_id.to_owned())
            .push(" AND revoked_at IS NULL")
            .execute(tx.conn())
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        append(
            tx.conn(),
            &actor.event("token.revoke").record("api_token", token_id),
        )
        .await?;
        tx.commit().await
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ApiToken {
    pub id: String,
    pub user_id: String,
    pub name: String,
    /// The first characters, to tell tokens apart; the rest is never stored.
    pub prefix: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// What a user is found by: username and display name, folded.
fn user_search_key(username: &str, display_name: &str) -> String {
    kopru_domain::search::fold(&format!("{username} {display_name}"))
}

impl Store {
    /// Fills `users.search_key` for users made before it existed.
    pub(crate) async fn fill_user_search_keys(&self) -> Result<()> {
        let rows: Vec<(String, String, String)> =
            Sql::new("SELECT id, username, display_name FROM users WHERE search_key IS NULL")
                .fetch_all(self.pool())
                .await?;
        if rows.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        for (id, username, display) in rows {
            Sql::new("UPDATE users SET search_key = ")
                .bind(user_search_key(&username, &display))
                .push(" WHERE id = ")
                .bind(id)
                .execute(tx.conn())
                .await?;
        }
        tx.commit().await
    }
}

async fn insert_assignment(
    conn: &mut sqlx::AnyConnection,
    user_id: &str,
    a: &Assignment,
) -> Result<()> {
    a.check()
        .map_err(|code| ValidationErrors::single("scope", code))?;
    let mut q = Sql::new("INSERT INTO role_assignments (id, user_id, role, scope_kind, scope_code, created_at) VALUES (");
    q.bind(new_id())
        .push(", ")
        .bind(user_id.to_owned())
        .push(", ")
        .bind(a.role.as_str().to_owned())
        .push(", ")
        .bind(a.scope.kind().to_owned())
        .push(", ")
        .bind(a.scope.code().map(str::to_owned))
        .push(", ")
        .bind(clock::now())
        .push(")");
    q.execute(conn).await?;
    Ok(())
}
