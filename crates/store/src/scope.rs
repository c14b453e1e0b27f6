//! Renders the policy's grants into SQL predicates, one per kind of row.
//!
//! This is the only place where scope meets SQL. Every list, record lookup,
//! export and report of a scoped entity calls [`push_visible`] while building its
//! query, so rows outside the caller's scope are never read. Adding an entity
//! means adding one arm per scope kind here.

use crate::{Result, Sql};
use kopru_domain::Scope;
use sqlx::AnyConnection;

/// The kinds of rows that carry a scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    /// `units` rows: `area_code`, `code`.
    Unit,
    /// `institutions` rows: `area_code`, `code`.
    Institution,
    /// `users` rows, placed by their role assignments.
    User,
    /// `audit_log` rows: `area_code`, `unit_code`.
    AuditEntry,
    /// `persons` rows: `area_code` (where they live), `unit_code` (who serves them).
    Person,
    /// `households` rows: `area_code`, `unit_code`.
    Household,
    /// `cases` rows: `area_code` (where the person lives), `unit_code` (who works on it).
    Case,
    /// `referrals` rows: the sending case's `area_code` and `unit_code`, and the
    /// receiving `institution_code`.
    Referral,
    /// `activities` rows: `area_code` (where it takes place), and the organiser:
    /// `unit_code` or `institution_code`.
    Activity,
    /// `volunteer_placements` rows: the host institution's `area_code`, the
    /// placing `unit_code` and the host `institution_code`.
    VolunteerPlacement,
    /// `plan_actions` rows: `country` (the strategy's), `responsible_code`,
    /// and the cooperating institutions in `action_partners` (by `id`).
    PlanAction,
    /// `progress_reports` rows: as their action (`country`,
    /// `responsible_code`, partners by `action_id`).
    ProgressReport,
    /// `monitoring_visits` rows: `province`; an institution sees the visits
    /// that met it or addressed it a recommendation.
    MonitoringVisit,
    /// `recommendations` rows: `province` (the visit's), `responsible_code`.
    Recommendation,
    /// ROMACTED's rows (`local_groups`, `community_needs`, `group_minutes`,
    /// `local_action_plans`, `local_measures`): `municipality`, seen within
    /// an area grant's area or a unit's area; institutions see none.
    LocalPlan,
    /// The rows the indicator engine counts (its sources): `area_code` (where
    /// it happened, or where the person lives), `unit_code`. An institution's
    /// grant reads them all: it is shown aggregates with small cells hidden.
    IndicatorRow,
}

const SUBTREE: &str = "(SELECT descendant_code FROM area_closure WHERE ancestor_code = ";
const UNIT_SUBTREE: &str = "(SELECT ac.descendant_code FROM area_closure ac \
     JOIN units su ON su.area_code = ac.ancestor_code WHERE su.code = ";

/// Appends `{column} IN (the area `area` and every area below it)`.
pub fn push_in_area(q: &mut Sql, column: &str, area: &str) {
    q.push(&format!("{column} IN {SUBTREE}"))
        .bind(area.to_ascii_uppercase())
        .push(")");
}

/// Appends `(grant₁ OR grant₂ …)` for rows of `entity` aliased as `alias`.
/// No grants: `(1 = 0)`, nothing visible.
pub fn push_visible(q: &mut Sql, entity: Entity, alias: &str, grants: &[Scope]) {
    if grants.is_empty() {
        q.push("(1 = 0)");
        return;
    }
    q.push("(");
    for (i, g) in grants.iter().enumerate() {
        if i > 0 {
            q.push(" OR ");
        }
        push_one(q, entity, alias, g);
    }
    q.push(")");
}

fn push_one(q: &mut Sql, entity: Entity, a: &str, grant: &Scope) {
    use Entity::*;
    match (entity, grant) {
        (_, Scope::Installation) => {
            q.push("1 = 1");
        }
        (
            Unit | Institution | AuditEntry | Person | Household | Case | Referral | Activity
            | VolunteerPlacement | IndicatorRow,
            Scope::Country(c) | Scope::Area(c),
        ) => {
            q.push(&format!("{a}.area_code IN {SUBTREE}"))
                .bind(c.as_str().to_owned())
                .push(")");
        }
        (Unit, Scope::Unit(c)) => {
            q.push(&format!("{a}.code = ")).bind(c.as_str().to_owned());
        }
        (Institution, Scope::Unit(c)) => {
            // A unit works with the institutions of its own area.
            q.push(&format!("{a}.area_code IN {UNIT_SUBTREE}"))
                .bind(c.as_str().to_owned())
                .push(")");
        }
        (Institution, Scope::Institution(c)) => {
            q.push(&format!("{a}.code = ")).bind(c.as_str().to_owned());
        }
        (
            AuditEntry | Person | Household | Case | Referral | Activity | VolunteerPlacement
            | IndicatorRow,
            Scope::Unit(c),
        ) => {
            q.push(&format!("{a}.unit_code = "))
                .bind(c.as_str().to_owned());
        }
        (Referral | Activity | VolunteerPlacement, Scope::Institution(c)) => {
            q.push(&format!("{a}.institution_code = "))
                .bind(c.as_str().to_owned());
        }
        // Institutions see people only through the referrals sent to them.
        (Unit | AuditEntry | Person | Household | Case, Scope::Institution(_)) => {
            q.push("1 = 0");
        }
        (User, Scope::Country(c) | Scope::Area(c)) => {
            q.push(&format!(
                "EXISTS (SELECT 1 FROM role_assignments ra \
                 LEFT JOIN units su ON ra.scope_kind = 'unit' AND su.code = ra.scope_code \
                 LEFT JOIN institutions si ON ra.scope_kind = 'institution' AND si.code = ra.scope_code \
                 WHERE ra.user_id = {a}.id AND COALESCE(\
                 CASE WHEN ra.scope_kind IN ('country', 'area') THEN ra.scope_code END, \
                 su.area_code, si.area_code) IN {SUBTREE}"
            ))
            .bind(c.as_str().to_owned())
            .push("))");
        }
        (User, Scope::Unit(c) | Scope::Institution(c)) => {
            q.push(&format!(
                "EXISTS (SELECT 1 FROM role_assignments ra WHERE ra.user_id = {a}.id AND ra.scope_kind = "
            ))
            .bind(grant.kind().to_owned())
            .push(" AND ra.scope_code = ")
            .bind(c.as_str().to_owned())
            .push(")");
        }
        // A strategy is a country's: its monitors see it by country; a
        // responsible institution sees its actions and those it cooperates on.
        (PlanAction | ProgressReport, Scope::Country(c) | Scope::Area(c)) => {
            q.push(&format!("{a}.country IN {SUBTREE}"))
                .bind(c.as_str().to_owned())
                .push(")");
        }
        (PlanAction | ProgressReport, Scope::Institution(c)) => {
            let id = if entity == PlanAction {
                "id"
            } else {
                "action_id"
            };
            q.push(&format!("({a}.responsible_code = "))
                .bind(c.as_str().to_owned())
                .push(&format!(
                    " OR EXISTS (SELECT 1 FROM action_partners ap WHERE ap.action_id = {a}.{id} AND ap.institution_code = "
                ))
                .bind(c.as_str().to_owned())
                .push("))");
        }
        (PlanAction | ProgressReport | MonitoringVisit | Recommendation, Scope::Unit(_)) => {
            q.push("1 = 0");
        }
        (LocalPlan, Scope::Country(c) | Scope::Area(c)) => {
            q.push(&format!("{a}.municipality IN {SUBTREE}"))
                .bind(c.as_str().to_owned())
                .push(")");
        }
        (LocalPlan, Scope::Unit(c)) => {
            q.push(&format!("{a}.municipality IN {UNIT_SUBTREE}"))
                .bind(c.as_str().to_owned())
                .push(")");
        }
        (LocalPlan, Scope::Institution(_)) => {
            q.push("1 = 0");
        }
        // Aggregates only: the engine hides small cells from institutions.
        (IndicatorRow, Scope::Institution(_)) => {
            q.push("1 = 1");
        }
        (MonitoringVisit | Recommendation, Scope::Country(c) | Scope::Area(c)) => {
            q.push(&format!("{a}.province IN {SUBTREE}"))
                .bind(c.as_str().to_owned())
                .push(")");
        }
        (Recommendation, Scope::Institution(c)) => {
            q.push(&format!("{a}.responsible_code = "))
                .bind(c.as_str().to_owned());
        }
        (MonitoringVisit, Scope::Institution(c)) => {
            q.push(&format!(
                "(EXISTS (SELECT 1 FROM recommendations sr WHERE sr.visit_id = {a}.id AND sr.responsible_code = "
            ))
            .bind(c.as_str().to_owned())
            .push(&format!(
                ") OR EXISTS (SELECT 1 FROM visit_meetings sm WHERE sm.visit_id = {a}.id AND sm.institution_code = "
            ))
            .bind(c.as_str().to_owned())
            .push("))");
        }
    }
}

/// Would a row of `entity` placed at `area_code` (with code `code`) be visible
/// under `grants`? Used before inserts and moves, with the very predicate that
/// filters reads, so writing and reading can never disagree.
pub async fn place_allowed(
    conn: &mut AnyConnection,
    entity: Entity,
    grants: &[Scope],
    area_code: &str,
    code: &str,
) -> Result<bool> {
    let mut q = Sql::new("SELECT 1 FROM (SELECT ");
    q.bind(area_code.to_owned())
        .push(" AS area_code, ")
        .bind(code.to_owned())
        .push(" AS code, ")
        .bind(code.to_owned())
        .push(" AS unit_code) x WHERE ");
    push_visible(&mut q, entity, "x", grants);
    let row: Option<(i64,)> = q.fetch_optional(conn).await?;
    Ok(row.is_some())
}

/// Would a row of `entity` whose `column` holds `value` (a visit's
/// `province`, a plan's `municipality`) be visible under `grants`? The write
/// check of rows placed by one column, with the predicate that filters reads.
pub async fn placed_at(
    conn: &mut AnyConnection,
    entity: Entity,
    grants: &[Scope],
    column: &'static str,
    value: &str,
) -> Result<bool> {
    let mut q = Sql::new("SELECT 1 FROM (SELECT ");
    q.bind(value.to_owned())
        .push(&format!(" AS {column}, '' AS id) x WHERE "));
    push_visible(&mut q, entity, "x", grants);
    let row: Option<(i64,)> = q.fetch_optional(conn).await?;
    Ok(row.is_some())
}

/// The row of `select` (a `SELECT … FROM table alias …` with no `WHERE`)
/// whose `alias.id` is `id`, when visible under `grants`; else not found.
pub async fn visible_row<T>(
    conn: &mut AnyConnection,
    select: &str,
    alias: &str,
    id: &str,
    entity: Entity,
    grants: &[Scope],
) -> crate::error::Result<T>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    let mut q = Sql::new(&format!("{select} WHERE {alias}.id = "));
    q.bind(id.to_owned()).push(" AND ");
    push_visible(&mut q, entity, alias, grants);
    q.fetch_optional(conn)
        .await?
        .ok_or(crate::error::StoreError::NotFound)
}

/// Would a row of `entity` placed at `area_code`, run by `unit` or
/// `institution`, be visible under `grants`? For rows with both organiser
/// columns (activities, volunteer placements): checked before inserts and
/// moves with the very predicate that filters reads.
pub async fn organised_allowed(
    conn: &mut AnyConnection,
    entity: Entity,
    grants: &[Scope],
    area_code: &str,
    unit: Option<&str>,
    institution: Option<&str>,
) -> Result<bool> {
    let mut q = Sql::new("SELECT 1 FROM (SELECT ");
    q.bind(area_code.to_owned())
        .push(" AS area_code, ")
        .bind(unit.map(str::to_owned))
        .push(" AS unit_code, ")
        .bind(institution.map(str::to_owned))
        .push(" AS institution_code) x WHERE ");
    push_visible(&mut q, entity, "x", grants);
    let row: Option<(i64,)> = q.fetch_optional(conn).await?;
    Ok(row.is_some())
}

/// Why a record may not be placed where a write asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceRefusal {
    UnknownUnit,
    UnknownArea,
    /// The area is not the unit's area or below it.
    AreaOutsideUnit,
    /// The writer's grants do not cover the unit or the area.
    Denied,
}

impl PlaceRefusal {
    /// The field the refusal is about and its message id.
    pub fn field_error(self) -> (&'static str, &'static str) {
        match self {
            PlaceRefusal::UnknownUnit => ("unit_code", "err-unit-unknown"),
            PlaceRefusal::UnknownArea => ("area_code", "err-area-unknown"),
            PlaceRefusal::AreaOutsideUnit => ("area_code", "err-area-outside-unit"),
            PlaceRefusal::Denied => ("unit_code", "err-scope-denied"),
        }
    }
}

/// May a record of `entity` (a person, a household) be written at `unit` and
/// `area` under `grants`? The unit and the area must agree — the area is the
/// unit's own or below it — and the writer's grants must cover both: the
/// record's place by the read predicate, and the unit itself as a unit row.
/// A grant on one dimension therefore never lets a writer set the other
/// freely (a unit-scoped mediator moving a person to another country's area,
/// an area-scoped one handing a person to a unit elsewhere). Updates call it
/// for the new place after reading the old one under the same grants.
pub async fn record_place(
    conn: &mut AnyConnection,
    entity: Entity,
    grants: &[Scope],
    unit: &str,
    area: &str,
) -> Result<Option<PlaceRefusal>> {
    let unit_area: Option<(String,)> = Sql::new("SELECT area_code FROM units WHERE code = ")
        .bind(unit.to_owned())
        .fetch_optional(&mut *conn)
        .await?;
    let Some((unit_area,)) = unit_area else {
        return Ok(Some(PlaceRefusal::UnknownUnit));
    };
    let area_ok: Option<(i64,)> = Sql::new("SELECT 1 FROM areas WHERE code = ")
        .bind(area.to_owned())
        .fetch_optional(&mut *conn)
        .await?;
    if area_ok.is_none() {
        return Ok(Some(PlaceRefusal::UnknownArea));
    }
    let within: Option<(i64,)> = Sql::new("SELECT 1 FROM area_closure WHERE ancestor_code = ")
        .bind(unit_area)
        .push(" AND descendant_code = ")
        .bind(area.to_owned())
        .fetch_optional(&mut *conn)
        .await?;
    if within.is_none() {
        return Ok(Some(PlaceRefusal::AreaOutsideUnit));
    }
    // The record's place, by the read predicate; then the unit itself, as a unit row.
    if !place_allowed(&mut *conn, entity, grants, area, unit).await? {
        return Ok(Some(PlaceRefusal::Denied));
    }
    let mut q = Sql::new("SELECT 1 FROM units u WHERE u.code = ");
    q.bind(unit.to_owned()).push(" AND ");
    push_visible(&mut q, Entity::Unit, "u", grants);
    let ok: Option<(i64,)> = q.fetch_optional(&mut *conn).await?;
    Ok(ok.map_or(Some(PlaceRefusal::Denied), |_| None))
}

/// Is `scope` inside one of `grants`? (May an administrator hand it out?)
/// An area grant contains the areas below it and the units and institutions
/// placed there; a unit or institution grant contains only itself.
pub async fn scope_within(
    conn: &mut AnyConnection,
    grants: &[Scope],
    scope: &Scope,
) -> Result<bool> {
    for g in grants {
        if *g == Scope::Installation || g == scope {
            return Ok(true);
        }
        let Some(g_area) = g.area() else { continue };
        let anchor: Option<(String,)> = match scope {
            Scope::Installation => None,
            Scope::Country(c) | Scope::Area(c) => Some((c.as_str().to_owned(),)),
            Scope::Unit(c) => {
                Sql::new("SELECT area_code FROM units WHERE code = ")
                    .bind(c.as_str().to_owned())
                    .fetch_optional(&mut *conn)
                    .await?
            }
            Scope::Institution(c) => {
                Sql::new("SELECT area_code FROM institutions WHERE code = ")
                    .bind(c.as_str().to_owned())
                    .fetch_optional(&mut *conn)
                    .await?
            }
        };
        if let Some((anchor,)) = anchor {
            let hit: Option<(i64,)> = Sql::new("SELECT 1 FROM area_closure WHERE ancestor_code = ")
                .bind(g_area.as_str().to_owned())
                .push(" AND descendant_code = ")
                .bind(anchor)
                .fetch_optional(&mut *conn)
                .await?;
            if hit.is_some() {
                return Ok(true);
            }
        }
    }
    Ok(false)
}
