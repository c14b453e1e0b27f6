//! Special-category data: sealed per person and category, read only with a grant and audited, re-encrypted on a key change, decrypted for exports.

use super::*;

impl Store {
    // ---------------- special categories ----------------

    /// The special-category values `by` may read, decrypted; the reading is audited
    /// by category. Categories `by` may not read are absent.
    pub async fn special(
        &self,
        actor: &Actor,
        by: &Principal,
        person_id: &str,
    ) -> Result<Vec<(SpecialCategory, SpecialValue)>> {
        Ok(self.special_view(actor, by, person_id).await?.1)
    }

    /// The categories `by` may read (and so write) for this person, and their values.
    pub async fn special_view(
        &self,
        actor: &Actor,
        by: &Principal,
        person_id: &str,
    ) -> Result<(Vec<SpecialCategory>, Vec<(SpecialCategory, SpecialValue)>)> {
        let mut conn = self.acquire().await?;
        let p = person_for(&mut conn, by, Action::ViewPersons, person_id).await?;
        // A category is readable when a grant for it covers this person.
        let mut readable = Vec::new();
        for c in SpecialCategory::ALL {
            let mut q = Sql::new("SELECT 1 FROM persons p WHERE p.id = ");
            q.bind(person_id.to_owned()).push(" AND ");
            push_visible(
                &mut q,
                Entity::Person,
                "p",
                &by.grants(Action::for_special(*c)),
            );
            let hit: Option<(i64,)> = q.fetch_optional(&mut *conn).await?;
            if hit.is_some() {
                readable.push(*c);
            }
        }
        if readable.is_empty() {
            return Ok((readable, Vec::new()));
        }
        let rows: Vec<(String, String)> =
            Sql::new("SELECT category, ciphertext FROM person_special WHERE person_id = ")
                .bind(person_id.to_owned())
                .fetch_all(&mut *conn)
                .await?;
        drop(conn);
        let keyring = self.keyring()?;
        let mut out = Vec::new();
        for (cat, ct) in rows {
            let Ok(c) = SpecialCategory::parse(&cat) else {
                continue;
            };
            if !readable.contains(&c) {
                continue;
            }
            let text = keyring
                .decrypt(&format!("{person_id}/{cat}"), &ct)
                .map_err(|e| StoreError::Other(e.to_string()))?;
            let v: SpecialValue =
                serde_json::from_str(&text).map_err(|e| StoreError::Other(e.to_string()))?;
            out.push((c, v));
        }
        let cats: Vec<&str> = readable.iter().map(|c| c.as_str()).collect();
        self.audit(
            &actor
                .event("person.special.read")
                .record("person", person_id)
                .area(Some(&p.area_code))
                .unit(Some(&p.unit_code))
                .details(serde_json::json!({ "categories": cats })),
        )
        .await?;
        Ok((readable, out))
    }

    /// Sets (or, with `None`, removes) one special-category value. Needs an active
    /// consent for services, the right to edit the person and to read the category.
    pub async fn set_special(
        &self,
        actor: &Actor,
        by: &Principal,
        person_id: &str,
        c: SpecialCategory,
        value: Option<&SpecialValue>,
    ) -> Result<()> {
        let keyring = self.keyring()?;
        let mut tx = self.begin_write().await?;
        let p = person_for(tx.conn(), by, Action::EditPersons, person_id).await?;
        person_for(tx.conn(), by, Action::for_special(c), person_id)
            .await
            .map_err(|_| StoreError::Forbidden)?;
        if value.is_some()
            && !Self::has_consent(tx.conn(), person_id, ConsentPurpose::Services).await?
        {
            return Err(ValidationErrors::single(c.as_str(), "err-consent-missing").into());
        }
        let existed: Option<(String,)> =
            Sql::new("SELECT ciphertext FROM person_special WHERE person_id = ")
                .bind(person_id.to_owned())
                .push(" AND category = ")
                .bind(c.as_str().to_owned())
                .fetch_optional(tx.conn())
                .await?;
        Sql::new("DELETE FROM person_special WHERE person_id = ")
            .bind(person_id.to_owned())
            .push(" AND category = ")
            .bind(c.as_str().to_owned())
            .execute(tx.conn())
            .await?;
        if let Some(v) = value {
            let plain = serde_json::to_string(v).map_err(|e| StoreError::Other(e.to_string()))?;
            let ct = keyring
                .encrypt(&format!("{person_id}/{}", c.as_str()), &plain)
                .map_err(|e| StoreError::Other(e.to_string()))?;
            let mut q = Sql::new("INSERT INTO person_special (person_id, category, ciphertext, key_id, updated_by, updated_at) VALUES (");
            q.bind(person_id.to_owned())
                .push(", ")
                .bind(c.as_str().to_owned())
                .push(", ")
                .bind(ct)
                .push(", ")
                .bind(keyring.active_id().to_owned())
                .push(", ")
                .bind(actor.username.clone())
                .push(", ")
                .bind(clock::now())
                .push(")");
            q.execute(tx.conn()).await?;
        }
        if existed.is_some() || value.is_some() {
            // The history says that it changed, never what it is.
            let change = (
                c.as_str(),
                existed.map(|_| "(recorded)".to_owned()),
                value.map(|_| "(recorded)".to_owned()),
            );
            write_history(
                tx.conn(),
                "person",
                person_id,
                p.version,
                &actor.username,
                &[change],
            )
            .await?;
            append(
                tx.conn(),
                &actor
                    .event("person.special.write")
                    .record("person", person_id)
                    .area(Some(&p.area_code))
                    .unit(Some(&p.unit_code))
                    .details(
                        serde_json::json!({ "category": c.as_str(), "removed": value.is_none() }),
                    ),
            )
            .await?;
        }
        tx.commit().await
    }
}

impl Store {
    /// Special-category values of many people for an export: only categories the
    /// exporter may read for each person (scope checked in SQL), decrypted here.
    /// Returns `(person id, category) → value`; reading is audited by the caller's
    /// export entry, which lists the categories.
    pub async fn special_for_export(
        &self,
        by: &Principal,
        person_ids: &[String],
        categories: &[SpecialCategory],
    ) -> Result<std::collections::HashMap<(String, SpecialCategory), SpecialValue>> {
        let by = &exporter(by)?;
        let mut out = std::collections::HashMap::new();
        if person_ids.is_empty() || categories.is_empty() {
            return Ok(out);
        }
        let keyring = self.keyring()?;
        for c in categories {
            let mut q = Sql::new("SELECT ps.person_id, ps.ciphertext FROM person_special ps JOIN persons p ON p.id = ps.person_id WHERE ps.category = ");
            q.bind(c.as_str().to_owned()).push(" AND ps.person_id IN (");
            for (i, id) in person_ids.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.bind(id.clone());
            }
            q.push(") AND ");
            push_visible(
                &mut q,
                Entity::Person,
                "p",
                &by.grants(Action::for_special(*c)),
            );
            let rows: Vec<(String, String)> = q.fetch_all(self.pool()).await?;
            for (pid, ct) in rows {
                let text = keyring
                    .decrypt(&format!("{pid}/{}", c.as_str()), &ct)
                    .map_err(|e| StoreError::Other(e.to_string()))?;
                let v: SpecialValue =
                    serde_json::from_str(&text).map_err(|e| StoreError::Other(e.to_string()))?;
                out.insert((pid, *c), v);
            }
        }
        Ok(out)
    }
}
