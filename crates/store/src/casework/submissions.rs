//! Form submissions on a case, the workers of a unit, and counts of answers.

use super::*;

/// The installation's calendar day of a UTC timestamp.
fn local_day(at: &str) -> String {
    clock::local_key(at).chars().take(10).collect()
}

impl Store {
    // ---------------- form submissions ----------------

    /// Gives submissions kept before their day was recorded their day in
    /// the installation's calendar (run on migrate; does nothing after).
    pub async fn fill_submission_days(&self) -> Result<usize> {
        let rows: Vec<(String, String)> =
            Sql::new("SELECT id, submitted_at FROM form_submissions WHERE submitted_on IS NULL")
                .fetch_all(self.pool())
                .await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let mut tx = self.begin_write().await?;
        for (id, at) in &rows {
            Sql::new("UPDATE form_submissions SET submitted_on = ")
                .bind(local_day(at))
                .push(" WHERE id = ")
                .bind(id.clone())
                .execute(tx.conn())
                .await?;
        }
        tx.commit().await?;
        self.data_changed();
        Ok(rows.len())
    }

    /// Fills a form on a case with the form's newest version; the answers are
    /// checked against that version and kept with it, with a typed value per
    /// answer for counting.
    pub async fn submit_form(
        &self,
        actor: &Actor,
        by: &Principal,
        case_id: &str,
        form_id: &str,
        answers: &Map<String, Value>,
    ) -> Result<SubmissionRow> {
        let form = self.form(form_id, None).await?;
        let checked = form.check(answers, &today())?;
        let special = kopru_domain::casework::form_special_category(&form.id);
        let mut tx = self.begin_write().await?;
        let c = case_for_edit(tx.conn(), by, case_id).await?;
        if !may_read_form(tx.conn(), by, case_id, &form.id).await? {
            return Err(StoreError::Forbidden);
        }
        let id = new_id();
        let mut kept = serde_json::to_string(&checked.answers).unwrap_or_else(|_| "{}".into());
        if special.is_some() {
            let keys = self
                .keyring()
                .map_err(|_| ValidationErrors::single("form", "err-no-encryption-key"))?;
            kept = keys
                .encrypt(&format!("submission/{id}"), &kept)
                .map_err(|e| StoreError::Other(e.to_string()))?;
        }
        let at = clock::now();
        Sql::new("INSERT INTO form_submissions (id, case_id, form_id, form_version, answers, submitted_by, submitted_at, submitted_on) VALUES (")
            .bind(id.clone()).push(", ")
            .bind(case_id.to_owned()).push(", ")
            .bind(form.id.clone()).push(", ")
            .bind(i64::from(form.version)).push(", ")
            .bind(kept).push(", ")
            .bind(actor.username.clone()).push(", ")
            .bind(at.clone()).push(", ")
            .bind(local_day(&at)).push(")")
            .execute(tx.conn())
            .await?;
        // Typed values of special-category answers would be those answers in
        // the clear: they are not extracted.
        let values: &[kopru_domain::form::TypedValue] = if special.is_some() {
            &[]
        } else {
            &checked.values
        };
        // In chunks: one statement per 100 values keeps under every engine's
        // parameter limit.
        for chunk in values.chunks(100) {
            let mut q = Sql::new("INSERT INTO form_values (submission_id, form_id, path, field, kind, text_value, number_value, date_value) VALUES ");
            for (i, v) in chunk.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.push("(")
                    .bind(id.clone())
                    .push(", ")
                    .bind(form.id.clone())
                    .push(", ")
                    .bind(v.path.clone())
                    .push(", ")
                    .bind(v.field.clone())
                    .push(", ")
                    .bind(
                        serde_json::to_value(v.kind)
                            .ok()
                            .and_then(|k| k.as_str().map(str::to_owned))
                            .unwrap_or_default(),
                    )
                    .push(", ")
                    .bind(v.text.clone())
                    .push(", ");
                // PostgreSQL types a statement's parameters once: a number
                // bound after a NULL of another type is refused, so a
                // missing number is written as NULL.
                match v.number {
                    Some(n) => q.bind(n),
                    None => q.push("NULL"),
                };
                q.push(", ").bind(v.date.clone()).push(")");
            }
            q.execute(tx.conn()).await?;
        }
        append(
            tx.conn(),
            &audit_case(actor, "case.form_submit", &c)
                .details(serde_json::json!({ "form": form.id, "version": form.version })),
        )
        .await?;
        let mut row = submission_in(tx.conn(), case_id, &id).await?;
        tx.commit().await?;
        self.open_answers(&mut row)?;
        Ok(row)
    }

    /// A submission and the form version it was made with.
    pub async fn submission(
        &self,
        actor: &Actor,
        by: &Principal,
        case_id: &str,
        id: &str,
    ) -> Result<(SubmissionRow, kopru_domain::form::FormDefinition)> {
        let mut conn = self.acquire().await?;
        let c = case_in(&mut conn, &by.grants(Action::ViewCases), case_id).await?;
        let mut row = submission_in(&mut conn, case_id, id).await?;
        if !may_read_form(&mut conn, by, case_id, &row.form_id).await? {
            return Err(StoreError::Forbidden);
        }
        drop(conn);
        if self.open_answers(&mut row)? {
            self.audit(
                &audit_case(actor, "case.special_form_view", &c)
                    .details(serde_json::json!({ "submission": id, "form": row.form_id })),
            )
            .await?;
        }
        let form = self.form(&row.form_id, Some(row.form_version)).await?;
        Ok((row, form))
    }

    /// Decrypts a submission's answers when they are sealed (special-category
    /// forms); true when they were.
    pub(crate) fn open_answers(&self, row: &mut SubmissionRow) -> Result<bool> {
        if !row.answers.starts_with("v1.") {
            return Ok(false);
        }
        let keys = self
            .keyring()
            .map_err(|_| StoreError::Other("no encryption key".into()))?;
        row.answers = keys
            .decrypt(&format!("submission/{}", row.id), &row.answers)
            .map_err(|e| StoreError::Other(e.to_string()))?;
        Ok(true)
    }

    /// The people who may be assigned a unit's cases and follow-ups, for
    /// pickers; only for those who see the unit's cases.
    pub async fn unit_workers(&self, by: &Principal, unit: &str) -> Result<Vec<WorkerRow>> {
        let visible = by.grants(Action::ViewCases).iter().any(|g| match g {
            Scope::Unit(c) => c.as_str() == unit,
            _ => true,
        });
        if !visible {
            return Ok(Vec::new());
        }
        Ok(Sql::new(
            "SELECT DISTINCT u.id AS user_id, u.username, u.display_name, 0 AS lead FROM users u              JOIN role_assignments ra ON ra.user_id = u.id WHERE u.disabled_at IS NULL              AND ra.scope_kind = 'unit' AND ra.scope_code = ",
        )
        .bind(unit.to_owned())
        .push(" AND ra.role IN ('unit_coordinator', 'social_mediator', 'health_mediator', 'pedagogical_assistant', 'volunteer') ORDER BY u.display_name")
        .fetch_all(self.pool())
        .await?)
    }

    /// Counts of submitted answers: how many submissions of `form_id` chose
    /// each value of `field`, within `by`'s cases (for indicators).
    pub async fn answer_counts(
        &self,
        by: &Principal,
        form_id: &str,
        field: &str,
    ) -> Result<Vec<(String, i64)>> {
        let mut q = Sql::new(
            "SELECT v.text_value, COUNT(*) FROM form_values v \
             JOIN form_submissions s ON s.id = v.submission_id JOIN cases c ON c.id = s.case_id \
             WHERE v.form_id = ",
        );
        q.bind(form_id.to_owned())
            .push(" AND v.field = ")
            .bind(field.to_owned())
            .push(" AND v.text_value IS NOT NULL AND ");
        push_visible(
            &mut q,
            Entity::Case,
            "c",
            &by.grants(Action::ViewCaseStatistics),
        );
        q.push(" GROUP BY v.text_value ORDER BY v.text_value");
        Ok(q.fetch_all(self.pool()).await?)
    }
}
