//! Households: created, edited, split and merged, with their members' joins and leaves.

use super::*;

impl Store {
    // ---------------- households ----------------

    pub async fn create_household(
        &self,
        actor: &Actor,
        by: &Principal,
        h: &Household,
    ) -> Result<HouseholdRow> {
        let mut tx = self.begin_write().await?;
        let id = insert_household(tx.conn(), actor, by, h).await?;
        let row = household_in(tx.conn(), &[kopru_domain::Scope::Installation], &id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Splits a household: `members` (current members of `from`, with their
    /// relationship to the new head) leave it on `on` and form a new household
    /// `h`. Both households' histories say "split".
    pub async fn split_household(
        &self,
        actor: &Actor,
        by: &Principal,
        from: &str,
        members: &[(String, Relationship)],
        h: &Household,
        on: &str,
    ) -> Result<HouseholdRow> {
        if members.is_empty() {
            return Err(ValidationErrors::single("members", "err-required").into());
        }
        if members
            .iter()
            .filter(|(_, r)| *r == Relationship::Head)
            .count()
            > 1
        {
            return Err(ValidationErrors::single("members", "err-head-exists").into());
        }
        let mut tx = self.begin_write().await?;
        let old = household_in(tx.conn(), &by.grants(Action::EditPersons), from).await?;
        let current = current_members(tx.conn(), from).await?;
        for (pid, _) in members {
            if !current.iter().any(|(_, p)| p == pid) {
                return Err(ValidationErrors::single("members", "err-not-member").into());
            }
        }
        let id = insert_household(tx.conn(), actor, by, h).await?;
        for (pid, rel) in members {
            leave_household(tx.conn(), from, pid, on, "split").await?;
            add_member_in(tx.conn(), by, actor, &id, pid, *rel, on, "split").await?;
        }
        append(
            tx.conn(),
            &actor
                .event("household.split")
                .record("household", from)
                .area(Some(&old.area_code))
                .unit(Some(&old.unit_code))
                .details(
                    serde_json::json!({ "new_household": id, "members": members.len(), "on": on }),
                ),
        )
        .await?;
        let row = household_in(tx.conn(), &[kopru_domain::Scope::Installation], &id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Merges household `from` into `into`: every current member moves on `on`
    /// (a second head becomes "other relative"), and `from` is closed, pointing
    /// at `into`. Refused when `from` changed since `from_version`.
    pub async fn merge_households(
        &self,
        actor: &Actor,
        by: &Principal,
        into: &str,
        from: &str,
        from_version: i64,
        on: &str,
    ) -> Result<HouseholdRow> {
        if into == from {
            return Err(ValidationErrors::single("into", "err-same-household").into());
        }
        let mut tx = self.begin_write().await?;
        let grants = by.grants(Action::EditPersons);
        let target = household_in(tx.conn(), &grants, into).await?;
        let source = household_in(tx.conn(), &grants, from).await?;
        if source.merged_into.is_some() || target.merged_into.is_some() {
            return Err(ValidationErrors::single("into", "err-household-merged").into());
        }
        let n = Sql::new("UPDATE households SET merged_into = ")
            .bind(into.to_owned())
            .push(", head_person_id = NULL, version = version + 1, updated_at = ")
            .bind(clock::now())
            .push(" WHERE id = ")
            .bind(from.to_owned())
            .push(" AND version = ")
            .bind(from_version)
            .execute(tx.conn())
            .await?;
        if n == 0 {
            return Err(StoreError::Conflict {
                current: source.version,
            });
        }
        // What hangs off the household moves with it (its cases); the audit
        // entry says how many rows of each.
        let mut moved = serde_json::Map::new();
        for (table, column) in crate::person_links::household_moves() {
            let n = Sql::new(&format!("UPDATE {table} SET {column} = "))
                .bind(into.to_owned())
                .push(&format!(" WHERE {column} = "))
                .bind(from.to_owned())
                .execute(tx.conn())
                .await?;
            moved.insert(table.to_owned(), n.into());
        }
        let moving = current_members(tx.conn(), from).await?;
        let mut head = target.head_person_id.clone();
        for (rel, pid) in &moving {
            let rel = match Relationship::parse(rel).unwrap_or(Relationship::OtherRelative) {
                Relationship::Head if head.is_some() => Relationship::OtherRelative,
                r => r,
            };
            if rel == Relationship::Head {
                head = Some(pid.clone());
            }
            leave_household(tx.conn(), from, pid, on, "merge").await?;
            add_member_in(tx.conn(), by, actor, into, pid, rel, on, "merge").await?;
        }
        record_update(
            tx.conn(),
            actor,
            "household",
            from,
            source.version + 1,
            &source.area_code,
            &source.unit_code,
            &[("merged_into", None, Some(into.to_owned()))],
        )
        .await?;
        append(
            tx.conn(),
            &actor
                .event("household.merge")
                .record("household", into)
                .area(Some(&target.area_code))
                .unit(Some(&target.unit_code))
                .details(serde_json::json!({ "from": from, "members": moving.len(), "on": on, "moved": moved })),
        )
        .await?;
        let row = household_in(tx.conn(), &grants, into).await?;
        tx.commit().await?;
        Ok(row)
    }

    pub async fn update_household(
        &self,
        actor: &Actor,
        by: &Principal,
        id: &str,
        version: i64,
        h: &Household,
    ) -> Result<HouseholdRow> {
        let mut tx = self.begin_write().await?;
        let old = household_in(tx.conn(), &by.grants(Action::ViewPersons), id).await?;
        household_in(tx.conn(), &by.grants(Action::EditPersons), id)
            .await
            .map_err(|_| StoreError::Forbidden)?;
        check_person_place(
            tx.conn(),
            by,
            Entity::Household,
            h.unit_code.as_str(),
            h.area_code.as_str(),
        )
        .await?;
        let mut q = Sql::new("UPDATE households SET (unit_code, area_code, address, settlement, latitude, longitude, tenure, rooms, tap_water, indoor_toilet, electricity, damp_roof) = (");
        bind_household_values(&mut q, h);
        q.push("), search_key = ")
            .bind(household_key(h))
            .push(", version = version + 1, updated_at = ")
            .bind(clock::now())
            .push(" WHERE id = ")
            .bind(id.to_owned())
            .push(" AND version = ")
            .bind(version);
        if q.execute(tx.conn()).await? == 0 {
            return Err(StoreError::Conflict {
                current: old.version,
            });
        }
        let s = |v: &Option<String>| v.clone();
        let changes: Vec<(&str, Option<String>, Option<String>)> = vec![
            (
                "unit_code",
                Some(old.unit_code.clone()),
                Some(h.unit_code.to_string()),
            ),
            (
                "area_code",
                Some(old.area_code.clone()),
                Some(h.area_code.to_string()),
            ),
            ("address", s(&old.address), h.address.clone()),
            ("settlement", s(&old.settlement), h.settlement.clone()),
            (
                "tenure",
                Some(old.tenure.clone()),
                Some(h.tenure.as_str().to_owned()),
            ),
            (
                "rooms",
                old.rooms.map(|r| r.to_string()),
                h.rooms.map(|r| r.to_string()),
            ),
            (
                "tap_water",
                Some(old.tap_water.clone()),
                Some(h.tap_water.as_str().to_owned()),
            ),
            (
                "indoor_toilet",
                Some(old.indoor_toilet.clone()),
                Some(h.indoor_toilet.as_str().to_owned()),
            ),
            (
                "electricity",
                Some(old.electricity.clone()),
                Some(h.electricity.as_str().to_owned()),
            ),
            (
                "damp_roof",
                Some(old.damp_roof.clone()),
                Some(h.damp_roof.as_str().to_owned()),
            ),
        ]
        .into_iter()
        .filter(|(_, o, n)| o != n)
        .collect();
        record_update(
            tx.conn(),
            actor,
            "household",
            id,
            old.version + 1,
            h.area_code.as_str(),
            h.unit_code.as_str(),
            &changes,
        )
        .await?;
        let row = household_in(tx.conn(), &[kopru_domain::Scope::Installation], id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Households within `by`'s grants, optionally in an area, newest first;
    /// one row more than `limit` says there are more.
    pub async fn households(
        &self,
        by: &Principal,
        area: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<HouseholdRow>> {
        let mut q = Sql::new(&format!("{HOUSEHOLD_SELECT} WHERE "));
        push_visible(
            &mut q,
            Entity::Household,
            "h",
            &by.grants(Action::ViewPersons),
        );
        if let Some(a) = area.filter(|s| !s.is_empty()) {
            q.push(" AND ");
            crate::scope::push_in_area(&mut q, "h.area_code", a);
        }
        q.push(" ORDER BY h.created_at DESC, h.id")
            .page(limit, offset);
        Ok(q.fetch_all(self.pool()).await?)
    }

    /// Households `by` may see in `area` (and below) whose current members
    /// have a name word starting with `text` (in any script or case), or
    /// whose address or settlement holds it: the merge picker's search.
    /// Merged households are not offered; at most `limit`.
    pub async fn find_households(
        &self,
        by: &Principal,
        area: &str,
        text: &str,
        limit: i64,
    ) -> Result<Vec<HouseholdRow>> {
        let words: Vec<String> = kopru_domain::search::name_tokens(text);
        let Some(first) = words.first() else {
            return Ok(Vec::new());
        };
        let mut q = Sql::new(&format!("{HOUSEHOLD_SELECT} WHERE "));
        push_visible(
            &mut q,
            Entity::Household,
            "h",
            &by.grants(Action::ViewPersons),
        );
        q.push(" AND h.merged_into IS NULL AND ");
        crate::scope::push_in_area(&mut q, "h.area_code", area);
        // Addresses through the household's folded search key, names through
        // their folded words: any case, script or diacritics, on both engines.
        let like = format!(
            "%{}%",
            crate::sql::like_escape(&kopru_domain::search::fold(text))
        );
        q.push(
            " AND (h.id IN (SELECT m.household_id FROM household_members m \
             JOIN person_names n ON n.person_id = m.person_id \
             WHERE m.left_on IS NULL AND n.token LIKE ",
        )
        .bind(format!("{}%", crate::sql::like_escape(first)))
        .push(" ESCAPE '\\') OR h.search_key LIKE ")
        .bind(like)
        .push(" ESCAPE '\\') ORDER BY h.address, h.id")
        .page(limit, 0);
        Ok(q.fetch_all(self.pool()).await?)
    }

    pub async fn household(&self, by: &Principal, id: &str) -> Result<HouseholdRow> {
        let mut conn = self.acquire().await?;
        household_in(&mut conn, &by.grants(Action::ViewPersons), id).await
    }

    /// Members past and present, current first.
    pub async fn household_members(
        &self,
        by: &Principal,
        household_id: &str,
    ) -> Result<Vec<MemberRow>> {
        let mut conn = self.acquire().await?;
        household_in(&mut conn, &by.grants(Action::ViewPersons), household_id).await?;
        Ok(Sql::new(
            "SELECT m.id, m.household_id, m.person_id, p.given_names, p.family_name, p.birth_date, p.birth_precision, \
             m.relationship, m.joined_on, m.join_reason, m.left_on, m.leave_reason \
             FROM household_members m JOIN persons p ON p.id = m.person_id WHERE m.household_id = ",
        )
        .bind(household_id.to_owned())
        .push(" ORDER BY CASE WHEN m.left_on IS NULL THEN 0 ELSE 1 END, m.joined_on, p.sort_key")
        .fetch_all(&mut *conn)
        .await?)
    }

    /// Adds a person to a household (ending their current membership elsewhere: a move).
    #[allow(clippy::too_many_arguments)]
    pub async fn add_member(
        &self,
        actor: &Actor,
        by: &Principal,
        household_id: &str,
        person_id: &str,
        rel: Relationship,
        on: &str,
        reason: &str,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        person_for(tx.conn(), by, Action::EditPersons, person_id).await?;
        add_member_in(
            tx.conn(),
            by,
            actor,
            household_id,
            person_id,
            rel,
            on,
            reason,
        )
        .await?;
        tx.commit().await
    }

    /// Ends a membership (left, moved out, died, household split).
    pub async fn end_membership(
        &self,
        actor: &Actor,
        by: &Principal,
        member_id: &str,
        on: &str,
        reason: &str,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let row: Option<(String, String)> = Sql::new(
            "SELECT household_id, person_id FROM household_members WHERE left_on IS NULL AND id = ",
        )
        .bind(member_id.to_owned())
        .fetch_optional(tx.conn())
        .await?;
        let (hh, pid) = row.ok_or(StoreError::NotFound)?;
        household_in(tx.conn(), &by.grants(Action::EditPersons), &hh).await?;
        leave_household(tx.conn(), &hh, &pid, on, reason).await?;
        append(
            tx.conn(),
            &actor
                .event("household.member.leave")
                .record("household", &hh)
                .details(serde_json::json!({ "person": pid, "reason": reason, "on": on })),
        )
        .await?;
        tx.commit().await
    }
}

/// Creates a household after checking its place; returns its id.
async fn insert_household(
    conn: &mut AnyConnection,
    actor: &Actor,
    by: &Principal,
    h: &Household,
) -> Result<String> {
    check_person_place(
        &mut *conn,
        by,
        Entity::Household,
        h.unit_code.as_str(),
        h.area_code.as_str(),
    )
    .await?;
    let id = new_id();
    let now = clock::now();
    let mut q = Sql::new(
        "INSERT INTO households (id, unit_code, area_code, address, settlement, latitude, longitude, tenure, rooms, tap_water, \
         indoor_toilet, electricity, damp_roof, head_person_id, search_key, version, created_at, updated_at) VALUES (",
    );
    q.bind(id.clone()).push(", ");
    bind_household_values(&mut q, h);
    q.push(", NULL, ")
        .bind(household_key(h))
        .push(", 1, ")
        .bind(now.clone())
        .push(", ")
        .bind(now)
        .push(")");
    q.execute(&mut *conn).await?;
    append(
        &mut *conn,
        &actor
            .event("household.create")
            .record("household", &id)
            .area(Some(h.area_code.as_str()))
            .unit(Some(h.unit_code.as_str())),
    )
    .await?;
    Ok(id)
}

/// Current members of a household: (relationship, person id).
async fn current_members(
    conn: &mut AnyConnection,
    household: &str,
) -> Result<Vec<(String, String)>> {
    Ok(Sql::new("SELECT relationship, person_id FROM household_members WHERE left_on IS NULL AND household_id = ")
        .bind(household.to_owned())
        .push(" ORDER BY joined_on, id")
        .fetch_all(conn)
        .await?)
}

/// Ends a person's open membership of a household (and headship, if any).
async fn leave_household(
    conn: &mut AnyConnection,
    household: &str,
    person: &str,
    on: &str,
    reason: &str,
) -> Result<()> {
    Sql::new("UPDATE household_members SET left_on = ")
        .bind(on.to_owned())
        .push(", leave_reason = ")
        .bind(reason.to_owned())
        .push(" WHERE left_on IS NULL AND household_id = ")
        .bind(household.to_owned())
        .push(" AND person_id = ")
        .bind(person.to_owned())
        .execute(&mut *conn)
        .await?;
    Sql::new("UPDATE persons SET household_id = NULL, version = version + 1 WHERE id = ")
        .bind(person.to_owned())
        .push(" AND household_id = ")
        .bind(household.to_owned())
        .execute(&mut *conn)
        .await?;
    Sql::new("UPDATE households SET head_person_id = NULL WHERE id = ")
        .bind(household.to_owned())
        .push(" AND head_person_id = ")
        .bind(person.to_owned())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub(crate) async fn household_in(
    conn: &mut AnyConnection,
    grants: &[kopru_domain::Scope],
    id: &str,
) -> Result<HouseholdRow> {
    let mut q = Sql::new(&format!("{HOUSEHOLD_SELECT} WHERE h.id = "));
    q.bind(id.to_owned()).push(" AND ");
    push_visible(&mut q, Entity::Household, "h", grants);
    q.fetch_optional(conn).await?.ok_or(StoreError::NotFound)
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn add_member_in(
    conn: &mut AnyConnection,
    by: &Principal,
    actor: &Actor,
    household_id: &str,
    person_id: &str,
    rel: Relationship,
    on: &str,
    reason: &str,
) -> Result<()> {
    let hh = household_in(&mut *conn, &by.grants(Action::EditPersons), household_id).await?;
    if hh.merged_into.is_some() {
        return Err(ValidationErrors::single("household_id", "err-household-merged").into());
    }
    // A person lives in one household at a time: joining here ends the membership elsewhere.
    Sql::new("UPDATE household_members SET left_on = ")
        .bind(on.to_owned())
        .push(", leave_reason = 'moved' WHERE left_on IS NULL AND person_id = ")
        .bind(person_id.to_owned())
        .push(" AND household_id <> ")
        .bind(household_id.to_owned())
        .execute(&mut *conn)
        .await?;
    let already: Option<(String,)> =
        Sql::new("SELECT id FROM household_members WHERE left_on IS NULL AND person_id = ")
            .bind(person_id.to_owned())
            .push(" AND household_id = ")
            .bind(household_id.to_owned())
            .fetch_optional(&mut *conn)
            .await?;
    if already.is_some() {
        return Err(ValidationErrors::single("person_id", "err-already-member").into());
    }
    if rel == Relationship::Head {
        if let Some(head) = &hh.head_person_id {
            if head != person_id {
                return Err(ValidationErrors::single("relationship", "err-head-exists").into());
            }
        }
    }
    let mut q = Sql::new("INSERT INTO household_members (id, household_id, person_id, relationship, joined_on, join_reason, recorded_by, recorded_at) VALUES (");
    q.bind(new_id())
        .push(", ")
        .bind(household_id.to_owned())
        .push(", ")
        .bind(person_id.to_owned())
        .push(", ")
        .bind(rel.as_str().to_owned())
        .push(", ")
        .bind(on.to_owned())
        .push(", ")
        .bind(reason.to_owned())
        .push(", ")
        .bind(actor.username.clone())
        .push(", ")
        .bind(clock::now())
        .push(")");
    q.execute(&mut *conn).await?;
    Sql::new("UPDATE persons SET household_id = ")
        .bind(household_id.to_owned())
        .push(", version = version + 1 WHERE id = ")
        .bind(person_id.to_owned())
        .execute(&mut *conn)
        .await?;
    if rel == Relationship::Head {
        Sql::new("UPDATE households SET head_person_id = ")
            .bind(person_id.to_owned())
            .push(" WHERE id = ")
            .bind(household_id.to_owned())
            .execute(&mut *conn)
            .await?;
    }
    append(&mut *conn, &actor.event("household.member.join").record("household", household_id).area(Some(&hh.area_code)).unit(Some(&hh.unit_code))
        .details(serde_json::json!({ "person": person_id, "relationship": rel.as_str(), "reason": reason, "on": on }))).await?;
    Ok(())
}
