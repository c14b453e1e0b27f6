//! Follow-ups: planned, done, missed.

use super::*;

impl Store {
    // ---------------- follow-ups ----------------

    /// A task on a case, due on a date, for a worker of the case's unit (the
    /// creator when none is named).
    pub async fn add_follow_up(
        &self,
        actor: &Actor,
        by: &Principal,
        case_id: &str,
        f: &FollowUp,
    ) -> Result<FollowUpRow> {
        let mut tx = self.begin_write().await?;
        let c = case_for_edit(tx.conn(), by, case_id).await?;
        let assignee = f.assignee_id.clone().unwrap_or_else(|| by.user_id.clone());
        if !works_in_unit(tx.conn(), &assignee, &c.unit_code).await? {
            return Err(ValidationErrors::single("assignee_id", "err-worker-not-in-unit").into());
        }
        let id = new_id();
        Sql::new("INSERT INTO follow_ups (id, case_id, unit_code, area_code, title, due_on, assignee_id, version, created_by, created_at) VALUES (")
            .bind(id.clone()).push(", ")
            .bind(case_id.to_owned()).push(", ")
            .bind(c.unit_code.clone()).push(", ")
            .bind(c.area_code.clone()).push(", ")
            .bind(f.title.clone()).push(", ")
            .bind(f.due_on.clone()).push(", ")
            .bind(assignee).push(", 1, ")
            .bind(actor.username.clone()).push(", ")
            .bind(clock::now()).push(")")
            .execute(tx.conn())
            .await?;
        append(tx.conn(), &audit_case(actor, "case.follow_up_add", &c)).await?;
        let row = follow_up_in(tx.conn(), &id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Marks a follow-up done, or hands it to another worker of the unit.
    /// The assignee and whoever edits the case may mark it done; reassigning
    /// is the coordinator's (or the assignee passing it on).
    pub async fn update_follow_up(
        &self,
        actor: &Actor,
        by: &Principal,
        id: &str,
        version: i64,
        change: &FollowUpChange<'_>,
    ) -> Result<FollowUpRow> {
        let mut tx = self.begin_write().await?;
        let FollowUpChange {
            done,
            reopen,
            assignee,
            due_on,
        } = *change;
        let f = follow_up_in(tx.conn(), id).await?;
        let c = case_for_edit(tx.conn(), by, &f.case_id).await?;
        let mut q = Sql::new("UPDATE follow_ups SET version = version + 1");
        if done && f.done_on.is_none() {
            q.push(", done_on = ")
                .bind(today())
                .push(", done_by = ")
                .bind(actor.username.clone());
        } else if reopen && f.done_on.is_some() {
            q.push(", done_on = NULL, done_by = NULL");
        }
        if let Some(a) = assignee.filter(|a| !a.is_empty() && *a != f.assignee_id) {
            let coordinator = case_in(tx.conn(), &by.grants(Action::ManageCaseload), &c.id)
                .await
                .is_ok();
            if !(coordinator || f.assignee_id == by.user_id) {
                return Err(StoreError::Forbidden);
            }
            if !works_in_unit(tx.conn(), a, &c.unit_code).await? {
                return Err(
                    ValidationErrors::single("assignee_id", "err-worker-not-in-unit").into(),
                );
            }
            q.push(", assignee_id = ").bind(a.to_owned());
        }
        if let Some(d) = due_on.filter(|d| !d.trim().is_empty()) {
            let d = kopru_domain::codes::optional_date(d)
                .map_err(|code| ValidationErrors::single("due_on", code))?
                .unwrap_or_default();
            q.push(", due_on = ").bind(d);
        }
        q.push(" WHERE id = ")
            .bind(id.to_owned())
            .push(" AND version = ")
            .bind(version);
        if q.execute(tx.conn()).await? == 0 {
            return Err(StoreError::Conflict { current: f.version });
        }
        append(
            tx.conn(),
            &audit_case(actor, "case.follow_up_update", &c).details(
                serde_json::json!({ "follow_up": id, "done": done, "reopened": reopen && !done }),
            ),
        )
        .await?;
        let row = follow_up_in(tx.conn(), id).await?;
        tx.commit().await?;
        Ok(row)
    }
}
