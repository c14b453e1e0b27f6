//! Consents: recorded, withdrawn, and asked for before special-category data is kept.

use super::*;

impl Store {
    // ---------------- consent ----------------

    pub async fn consents(&self, by: &Principal, person_id: &str) -> Result<Vec<ConsentRow>> {
        let mut conn = self.acquire().await?;
        person_for(&mut conn, by, Action::ViewPersons, person_id).await?;
        Ok(Sql::new("SELECT id, person_id, purpose, legal_basis, text_version, language, given_on, recorded_by, recorded_at, withdrawn_on, withdrawn_by, given_by, withdrawal_reason, institution_kinds FROM consents WHERE person_id = ")
            .bind(person_id.to_owned())
            .push(" ORDER BY recorded_at DESC")
            .fetch_all(&mut *conn)
            .await?)
    }

    /// Records a consent (or another legal basis) for a purpose.
    pub async fn record_consent(
        &self,
        actor: &Actor,
        by: &Principal,
        person_id: &str,
        c: &NewConsent,
    ) -> Result<String> {
        let mut tx = self.begin_write().await?;
        let p = person_for(tx.conn(), by, Action::EditPersons, person_id).await?;
        if c.basis == kopru_domain::person::LegalBasis::ExplicitConsent
            && c.given_by.is_none()
            && kopru_domain::person::was_child_on(p.birth_date.as_deref(), &c.given_on)
        {
            return Err(StoreError::Invalid(ValidationErrors::single(
                "given_by",
                "err-consent-given-by",
            )));
        }
        let id = new_id();
        let covers = (!c.covers.is_empty())
            .then(|| json(&c.covers.iter().map(|k| k.as_str()).collect::<Vec<_>>()));
        let mut q = Sql::new("INSERT INTO consents (id, person_id, purpose, legal_basis, text_version, language, given_on, recorded_by, recorded_at, institution_kinds, given_by) VALUES (");
        q.bind(id.clone())
            .push(", ")
            .bind(person_id.to_owned())
            .push(", ")
            .bind(c.purpose.as_str().to_owned())
            .push(", ")
            .bind(c.basis.as_str().to_owned())
            .push(", ")
            .bind(c.text_version.clone())
            .push(", ")
            .bind(c.language.clone())
            .push(", ")
            .bind(c.given_on.clone())
            .push(", ")
            .bind(actor.username.clone())
            .push(", ")
            .bind(clock::now())
            .push(", ")
            .bind(covers)
            .push(", ")
            .bind(c.given_by.clone())
            .push(")");
        q.execute(tx.conn()).await?;
        append(tx.conn(), &actor.event("consent.record").record("person", person_id).area(Some(&p.area_code)).unit(Some(&p.unit_code))
            .details(serde_json::json!({ "purpose": c.purpose.as_str(), "legal_basis": c.basis.as_str(), "text_version": c.text_version, "institution_kinds": c.covers }))).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn withdraw_consent(
        &self,
        actor: &Actor,
        by: &Principal,
        person_id: &str,
        consent_id: &str,
        on: &str,
        reason: Option<&str>,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let p = person_for(tx.conn(), by, Action::EditPersons, person_id).await?;
        let n = Sql::new("UPDATE consents SET withdrawn_on = ")
            .bind(on.to_owned())
            .push(", withdrawn_by = ")
            .bind(actor.username.clone())
            .push(", withdrawn_at = ")
            .bind(clock::now())
            .push(", withdrawal_reason = ")
            .bind(reason.map(str::to_owned))
            .push(" WHERE id = ")
            .bind(consent_id.to_owned())
            .push(" AND person_id = ")
            .bind(person_id.to_owned())
            .push(" AND withdrawn_on IS NULL")
            .execute(tx.conn())
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        append(
            tx.conn(),
            &actor
                .event("consent.withdraw")
                .record("person", person_id)
                .area(Some(&p.area_code))
                .unit(Some(&p.unit_code))
                .details(serde_json::json!({ "consent": consent_id })),
        )
        .await?;
        tx.commit().await
    }

    /// Whether the person has an active consent (or recorded legal basis) for `purpose`.
    pub async fn has_consent(
        conn: &mut AnyConnection,
        person_id: &str,
        purpose: ConsentPurpose,
    ) -> Result<bool> {
        let hit: Option<(i64,)> = Sql::new("SELECT 1 FROM consents WHERE person_id = ")
            .bind(person_id.to_owned())
            .push(" AND purpose = ")
            .bind(purpose.as_str().to_owned())
            .push(" AND withdrawn_on IS NULL")
            .fetch_optional(conn)
            .await?;
        Ok(hit.is_some())
    }
}
