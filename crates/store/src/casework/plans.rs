//! A case's service plan: goals and planned services.

use super::*;

impl Store {
    // ---------------- service plan ----------------

    pub async fn add_goal(
        &self,
        actor: &Actor,
        by: &Principal,
        case_id: &str,
        g: &Goal,
    ) -> Result<GoalRow> {
        let mut tx = self.begin_write().await?;
        let c = case_for_edit(tx.conn(), by, case_id).await?;
        let id = new_id();
        let now = clock::now();
        Sql::new("INSERT INTO case_goals (id, case_id, domain, description, target_date, status, version, created_by, created_at, updated_at) VALUES (")
            .bind(id.clone()).push(", ")
            .bind(case_id.to_owned()).push(", ")
            .bind(g.domain.as_str().to_owned()).push(", ")
            .bind(g.description.clone()).push(", ")
            .bind(g.target_date.clone()).push(", ")
            .bind(g.status.as_str().to_owned()).push(", 1, ")
            .bind(actor.username.clone()).push(", ")
            .bind(now.clone()).push(", ")
            .bind(now).push(")")
            .execute(tx.conn())
            .await?;
        append(tx.conn(), &audit_case(actor, "case.goal_add", &c)).await?;
        let row = goal_in(tx.conn(), case_id, &id).await?;
        tx.commit().await?;
        Ok(row)
    }

    pub async fn update_goal(
        &self,
        actor: &Actor,
        by: &Principal,
        case_id: &str,
        goal_id: &str,
        version: i64,
        g: &Goal,
    ) -> Result<GoalRow> {
        let mut tx = self.begin_write().await?;
        let c = case_for_edit(tx.conn(), by, case_id).await?;
        let old = goal_in(tx.conn(), case_id, goal_id).await?;
        let n = Sql::new("UPDATE case_goals SET domain = ")
            .bind(g.domain.as_str().to_owned())
            .push(", description = ")
            .bind(g.description.clone())
            .push(", target_date = ")
            .bind(g.target_date.clone())
            .push(", status = ")
            .bind(g.status.as_str().to_owned())
            .push(", version = version + 1, updated_at = ")
            .bind(clock::now())
            .push(" WHERE id = ")
            .bind(goal_id.to_owned())
            .push(" AND version = ")
            .bind(version)
            .execute(tx.conn())
            .await?;
        if n == 0 {
            return Err(StoreError::Conflict {
                current: old.version,
            });
        }
        append(
            tx.conn(),
            &audit_case(actor, "case.goal_update", &c)
                .details(serde_json::json!({ "goal": goal_id, "status": g.status.as_str() })),
        )
        .await?;
        let row = goal_in(tx.conn(), case_id, goal_id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// A service the plan foresees: given by the unit or expected from an institution.
    pub async fn add_planned_service(
        &self,
        actor: &Actor,
        by: &Principal,
        case_id: &str,
        p: &PlannedService<'_>,
    ) -> Result<PlannedServiceRow> {
        let mut tx = self.begin_write().await?;
        let c = case_for_edit(tx.conn(), by, case_id).await?;
        let mut e = ValidationErrors::new();
        let PlannedService {
            goal_id,
            service,
            description,
            planned_on,
        } = *p;
        let known = kopru_domain::case::DeliveredService::parse(service).is_ok()
            || kopru_domain::reference::ServiceKind::parse(service).is_ok();
        if !known {
            e.push("service", "err-choice");
        }
        let description = e.take(
            "description",
            kopru_domain::casework::long_text(description, 500),
        );
        let planned_on = e.take("planned_on", kopru_domain::codes::optional_date(planned_on));
        if let Some(g) = goal_id {
            if goal_in(tx.conn(), case_id, g).await.is_err() {
                e.push("goal_id", "err-not-found");
            }
        }
        e.into_result()?;
        let id = new_id();
        Sql::new("INSERT INTO case_planned_services (id, case_id, goal_id, service, description, planned_on, created_by, created_at) VALUES (")
            .bind(id.clone()).push(", ")
            .bind(case_id.to_owned()).push(", ")
            .bind(goal_id.map(str::to_owned)).push(", ")
            .bind(service.trim().to_owned()).push(", ")
            .bind(description.flatten()).push(", ")
            .bind(planned_on.flatten()).push(", ")
            .bind(actor.username.clone()).push(", ")
            .bind(clock::now()).push(")")
            .execute(tx.conn())
            .await?;
        append(tx.conn(), &audit_case(actor, "case.plan_service", &c)).await?;
        let row: PlannedServiceRow = Sql::new(&format!("{PLANNED_SELECT} WHERE id = "))
            .bind(id)
            .fetch_one(tx.conn())
            .await?;
        tx.commit().await?;
        Ok(row)
    }
}
